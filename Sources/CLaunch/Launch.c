#include <signal.h>
#include <string.h>
#include <unistd.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include "CLaunch.h"

unsigned sk_cpu_features(void) {
    unsigned features = 0;
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx")) features |= SK_CPU_AVX;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) features |= SK_CPU_AVX2_FMA;
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512cd") &&
        __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512dq"))
        features |= SK_CPU_AVX512;
    if ((features & SK_CPU_AVX512) && __builtin_cpu_supports("avx512bf16")) features |= SK_CPU_AVX512_BF16;
#endif
    return features;
}

static const int fault_signals[] = {SIGILL, SIGSEGV, SIGBUS, SIGFPE};
static const char *relaunch_path;
static char *const *relaunch_argv;
static char *const *relaunch_envp;

static void relaunch(int signal_number) {
    execve(relaunch_path, relaunch_argv, relaunch_envp);
    raise(signal_number); /* execve failed: SA_RESETHAND restored the default, so die of the fault */
}

int sk_relaunch_on_fault(const char *path, char *const argv[], char *const envp[]) {
    relaunch_path = path;
    relaunch_argv = argv;
    relaunch_envp = envp;
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = relaunch;
    /* SA_NODEFER: the new image must not inherit the fault's signal blocked. */
    action.sa_flags = SA_NODEFER | SA_RESETHAND;
    sigemptyset(&action.sa_mask);
    for (size_t i = 0; i < sizeof fault_signals / sizeof *fault_signals; i++)
        if (sigaction(fault_signals[i], &action, NULL) != 0) return -1;
    return 0;
}

void sk_relaunch_on_fault_cancel(void) {
    for (size_t i = 0; i < sizeof fault_signals / sizeof *fault_signals; i++) signal(fault_signals[i], SIG_DFL);
}

void sk_fix_mmap_threshold(int bytes) {
#if defined(__GLIBC__)
    mallopt(M_MMAP_THRESHOLD, bytes);
#else
    (void)bytes;
#endif
}
