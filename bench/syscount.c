// SPDX-License-Identifier: GPL-2.0
/*
 * Counting system calls, measured rather than assumed: the measured code
 * runs in a child traced with ptrace(2) (PTRACE_O_TRACESYSGOOD); every
 * syscall-entry stop of the child between two getppid() markers is one
 * system call it made. Only the child's own thread is traced: kernel
 * threads of io_uring (the SQ thread) make no system calls of their own.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

void bench_marker(void)
{
	syscall(SYS_getppid);
}

static const struct {
	unsigned int nr;
	const char *name;
} syscall_names[] = {
	{ SYS_ioctl,		"ioctl" },
	{ SYS_io_uring_enter,	"io_uring_enter" },
	{ SYS_io_uring_register, "io_uring_register" },
	{ SYS_futex,		"futex" },
	{ SYS_sched_yield,	"sched_yield" },
	{ SYS_clock_gettime,	"clock_gettime" },
	{ SYS_mmap,		"mmap" },
	{ SYS_munmap,		"munmap" },
	{ SYS_brk,		"brk" },
	{ SYS_write,		"write" },
	{ SYS_read,		"read" },
	{ SYS_getppid,		"getppid" },
	{ SYS_nanosleep,	"nanosleep" },
	{ SYS_madvise,		"madvise" },
};

const char *syscall_name(unsigned int nr)
{
	size_t i;

	for (i = 0; i < sizeof(syscall_names) / sizeof(syscall_names[0]); i++)
		if (syscall_names[i].nr == nr)
			return syscall_names[i].name;
	return NULL;
}

/*
 * The child stops itself once set up, so that the tracer attaches before
 * the first marker; it exits with @fn's status (0 on success).
 */
int syscount_run(int (*fn)(void *arg), void *arg, struct syscount *sc)
{
	struct __ptrace_syscall_info info;
	int state = 0, status, sig, ret;
	pid_t pid;

	memset(sc, 0, sizeof(*sc));
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
		if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) < 0)
			_exit(100);
		raise(SIGSTOP);
		ret = fn(arg);
		fflush(NULL);
		_exit(ret ? 1 : 0);
	}

	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	if (!WIFSTOPPED(status)) {
		fprintf(stderr, "mcte-bench: traced child did not stop (status %#x)\n",
			status);
		return -ECHILD;
	}
	if (ptrace(PTRACE_SETOPTIONS, pid, NULL,
		   (void *)(long)(PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL)) < 0) {
		ret = -errno;
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return ret;
	}

	sig = 0;
	for (;;) {
		if (ptrace(PTRACE_SYSCALL, pid, NULL, (void *)(long)sig) < 0)
			return -errno;
		sig = 0;
		if (waitpid(pid, &status, 0) < 0)
			return -errno;
		if (WIFEXITED(status) || WIFSIGNALED(status))
			break;
		if (!WIFSTOPPED(status))
			continue;
		if (WSTOPSIG(status) != (SIGTRAP | 0x80)) {
			/* a real signal: deliver it */
			sig = WSTOPSIG(status) == SIGSTOP ? 0 : WSTOPSIG(status);
			continue;
		}
		if (ptrace(PTRACE_GET_SYSCALL_INFO, pid, (void *)sizeof(info),
			   &info) < 0)
			return -errno;
		if (info.op != PTRACE_SYSCALL_INFO_ENTRY)
			continue;
		if (info.entry.nr == SYS_getppid) {
			state++;
			continue;
		}
		if (state == 1) {
			sc->total++;
			if (info.entry.nr < sizeof(sc->by_nr) / sizeof(sc->by_nr[0]))
				sc->by_nr[info.entry.nr]++;
		}
	}
	if (state < 2)
		return -EPROTO;	/* the child died before its second marker */
	return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : -ECHILD;
}
