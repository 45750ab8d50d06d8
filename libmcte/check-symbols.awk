# SPDX-License-Identifier: LGPL-2.1 OR MIT
#
# Print the global symbols of a GNU ld version script as "name@@NODE",
# one a line. Handles C comments, several nodes and several names a line:
#	NODE { global: a; b; local: *; } [PARENT] ;

{ text = text $0 "\n" }

END {
	gsub(/\/\*([^*]|\*+[^*\/])*\*+\//, " ", text)
	gsub(/[{};:]/, " & ", text)
	n = split(text, tok, /[ \t\n]+/)
	depth = 0
	for (i = 1; i <= n; i++) {
		t = tok[i]
		if (t == "" || t == ";" || t == ":")
			continue
		if (t == "{") {
			if (depth++ == 0) {
				node = last; global = 1
			}
		} else if (t == "}") {
			depth--
		} else if (depth == 0) {
			last = t		# node name, or the parent after "}"
		} else if (t == "global" || t == "local") {
			global = (t == "global")
		} else if (global) {
			print t "@@" node
		}
	}
}
