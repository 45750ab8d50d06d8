#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Check that uapi/linux/mcte.h carries the numbering of the netlink spec.

Reads Documentation/netlink/specs/mcte.yaml and prints a C file of
static assertions; compiling it against the uapi header proves that every
enum, attribute, command and group name of the spec has its value there.
"""
import sys

import yaml


def cname(*parts):
    return "_".join(p.upper().replace("-", "_") for p in parts)


def main(path):
    with open(path) as f:
        spec = yaml.safe_load(f)
    fam = spec["name"]
    out = ["#include <linux/mcte.h>", "#include <string.h>", ""]

    def check(expr, what):
        out.append('_Static_assert(%s, "%s");' % (expr, what))

    for d in spec.get("definitions", []):
        if d["type"] != "enum":
            continue
        prefix = d.get("name-prefix", "%s-%s-" % (fam, d["name"]))
        for i, e in enumerate(d["entries"], d.get("value-start", 0)):
            n = cname(prefix + e)
            check("%s == %d" % (n, i), "%s is %d in the spec" % (n, i))
    for aset in spec["attribute-sets"]:
        attrs = aset["attributes"]
        for i, a in enumerate(attrs, 1):
            n = cname(fam, "a", aset["name"], a["name"])
            check("%s == %d" % (n, i), "%s is %d in the spec" % (n, i))
        n = cname(fam, "a", aset["name"], "max")
        check("%s == %d" % (n, len(attrs)), "%s is %d" % (n, len(attrs)))
    ops = spec["operations"]["list"]
    for i, op in enumerate(ops, 1):
        n = cname(fam, "cmd", op["name"])
        check("%s == %d" % (n, i), "%s is %d in the spec" % (n, i))
    check("%s == %d" % (cname(fam, "cmd", "max"), len(ops)), "command count")
    for g in spec["mcast-groups"]["list"]:
        n = cname(fam, "mcgrp", g["name"])
        check('sizeof(%s) == sizeof("%s")' % (n, g["name"]), n + " length")
    check('sizeof(%s) == sizeof("%s")' % (cname(fam, "family_name"), fam),
          "family name")
    print("\n".join(out))


if __name__ == "__main__":
    main(sys.argv[1])
