// SPDX-License-Identifier: GPL-2.0
/*
 * mcte-blkserve: register a block device (an NVMe namespace, attached over
 * NVMe-oF or not) as an mcte block segment and hold it until SIGTERM,
 * SIGINT or SIGHUP; then unregister it and exit 0. See mcte-nvmf(8).
 *
 *	mcte-blkserve [--access none|read|rw] [--offset BYTES] [--len BYTES]
 *		      [--pidfile FILE] [--ready-fd FD] DEV NAME
 *
 * A segment lives as long as the file that registered it, so a process
 * has to hold it: this one does nothing else. Scripts learn that the
 * segment is registered from the line "ready" on stdout, from --ready-fd
 * (the line written there, then the descriptor closed) or from --pidfile
 * (written once registered, removed on exit).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <linux/fs.h>
#include <libmcte.h>

static const char *mcte_bs_prog = "mcte-blkserve";

static void mcte_bs_usage(FILE *f)
{
	fprintf(f,
		"Usage: %s [--access none|read|rw] [--offset BYTES] [--len BYTES]\n"
		"       %*s [--pidfile FILE] [--ready-fd FD] DEV NAME\n"
		"Registers block device DEV as the mcte block segment NAME and holds\n"
		"it until SIGTERM, SIGINT or SIGHUP. Access defaults to read; --len 0\n"
		"(the default) reaches the end of the device.\n",
		mcte_bs_prog, (int)strlen(mcte_bs_prog), "");
}

static int mcte_bs_parse_access(const char *s, enum mcte_access *out)
{
	if (!strcmp(s, "none"))
		*out = MCTE_ACCESS_NONE;
	else if (!strcmp(s, "read"))
		*out = MCTE_ACCESS_READ;
	else if (!strcmp(s, "rw"))
		*out = MCTE_ACCESS_RW;
	else
		return -EINVAL;
	return 0;
}

static const char *mcte_bs_access_name(enum mcte_access a)
{
	switch (a) {
	case MCTE_ACCESS_NONE:
		return "none";
	case MCTE_ACCESS_READ:
		return "read";
	case MCTE_ACCESS_RW:
		return "rw";
	}
	return "?";
}

/* A byte count: decimal, or hex with 0x; nothing else after it. */
static int mcte_bs_parse_u64(const char *s, __u64 *out)
{
	unsigned long long v;
	char *end;

	if (!*s || *s == '-')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end)
		return -EINVAL;
	*out = v;
	return 0;
}

static int mcte_bs_write_pidfile(const char *path)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -errno;
	fprintf(f, "%d\n", (int)getpid());
	if (fclose(f))
		return -errno;
	return 0;
}

static int mcte_bs_notify_fd(int fd)
{
	static const char line[] = "ready\n";
	ssize_t n = write(fd, line, sizeof(line) - 1);

	close(fd);
	return n == (ssize_t)(sizeof(line) - 1) ? 0 : -EIO;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "access", required_argument, NULL, 'a' },
		{ "offset", required_argument, NULL, 'o' },
		{ "len", required_argument, NULL, 'l' },
		{ "pidfile", required_argument, NULL, 'p' },
		{ "ready-fd", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	enum mcte_access access = MCTE_ACCESS_READ;
	const char *pidfile = NULL, *dev, *name;
	__u64 offset = 0, len = 0, size = 0, ready_fd = 0;
	int have_ready_fd = 0, c, fd, err, sig, rc = 0;
	struct mcte *m;
	sigset_t set;
	__u32 handle;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			if (mcte_bs_parse_access(optarg, &access)) {
				fprintf(stderr, "%s: invalid access \"%s\": none, read or rw\n",
					mcte_bs_prog, optarg);
				return 2;
			}
			break;
		case 'o':
		case 'l':
			if (mcte_bs_parse_u64(optarg, c == 'o' ? &offset : &len)) {
				fprintf(stderr, "%s: invalid %s \"%s\": a byte count\n",
					mcte_bs_prog, c == 'o' ? "--offset" : "--len", optarg);
				return 2;
			}
			break;
		case 'p':
			pidfile = optarg;
			break;
		case 'r':
			if (mcte_bs_parse_u64(optarg, &ready_fd) || ready_fd > 1024 ||
			    fcntl((int)ready_fd, F_GETFD) < 0) {
				fprintf(stderr, "%s: --ready-fd %s is not an open descriptor\n",
					mcte_bs_prog, optarg);
				return 2;
			}
			have_ready_fd = 1;
			break;
		case 'h':
			mcte_bs_usage(stdout);
			return 0;
		default:
			mcte_bs_usage(stderr);
			return 2;
		}
	}
	if (argc - optind != 2) {
		mcte_bs_usage(stderr);
		return 2;
	}
	dev = argv[optind];
	name = argv[optind + 1];

	/*
	 * Signals wait in the mask until sigwait(): one that arrives while
	 * registering is taken after, so the segment is always unregistered.
	 */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);

	/* Blocks move by DMA straight to and from the segments' pages. */
	fd = open(dev, (access == MCTE_ACCESS_RW ? O_RDWR : O_RDONLY) |
		  O_DIRECT | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "%s: cannot open %s: %s\n", mcte_bs_prog, dev,
			strerror(errno));
		return 1;
	}
	if (ioctl(fd, BLKGETSIZE64, &size) < 0) {
		fprintf(stderr, "%s: %s is not a block device: %s\n", mcte_bs_prog,
			dev, strerror(errno));
		close(fd);
		return 1;
	}

	err = mcte_open(&m, 0);
	if (err) {
		fprintf(stderr, "%s: cannot open %s: %s\n", mcte_bs_prog,
			MCTE_DEV_PATH, mcte_strerror(err));
		close(fd);
		return 1;
	}
	err = mcte_seg_register_block(m, name, fd, offset, len, access, &handle);
	if (err) {
		fprintf(stderr, "%s: cannot register %s as segment %s: %s\n",
			mcte_bs_prog, dev, name, mcte_block_strerror(err));
		mcte_close(m);
		close(fd);
		return 1;
	}
	/* The module holds the device now. */
	close(fd);
	if (!len)
		len = offset < size ? size - offset : 0;

	printf("segment %s handle %u kind block dev %s offset %llu size %llu access %s\n",
	       name, handle, dev, (unsigned long long)offset,
	       (unsigned long long)len, mcte_bs_access_name(access));
	if (pidfile) {
		err = mcte_bs_write_pidfile(pidfile);
		if (err) {
			fprintf(stderr, "%s: cannot write %s: %s\n", mcte_bs_prog,
				pidfile, strerror(-err));
			pidfile = NULL;
			rc = 1;
			goto out_unregister;
		}
	}
	printf("ready\n");
	fflush(stdout);
	if (have_ready_fd && mcte_bs_notify_fd((int)ready_fd))
		fprintf(stderr, "%s: could not write to --ready-fd %d\n",
			mcte_bs_prog, (int)ready_fd);

	while (sigwait(&set, &sig))
		;
	fprintf(stderr, "%s: %s: unregistering %s\n", mcte_bs_prog,
		strsignal(sig), name);

out_unregister:
	err = mcte_seg_unregister(m, handle);
	if (err) {
		fprintf(stderr, "%s: cannot unregister %s: %s\n", mcte_bs_prog,
			name, mcte_strerror(err));
		rc = 1;
	}
	mcte_close(m);
	if (pidfile)
		unlink(pidfile);
	return rc;
}
