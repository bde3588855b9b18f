#ifndef SCOREKIT_CLAUNCH_H
#define SCOREKIT_CLAUNCH_H

/* What a tool's launch needs from C: the CPU's features as CPUID and the operating system report
 * them, and a relaunch from inside a signal handler, which only C can write async-signal-safe
 * (for choosing OpenBLAS's kernels); and the allocator's setting, which Swift's Glibc module does
 * not reach. Only Sources/ScoreKit/BLAS and Sources/ScoreKitCLI call these. */

/* Bits of sk_cpu_features. Each includes the OS's support for the registers it needs. */
enum {
    SK_CPU_AVX = 1,         /* AVX */
    SK_CPU_AVX2_FMA = 2,    /* AVX2 and FMA */
    SK_CPU_AVX512 = 4,      /* AVX-512 F, CD, VL, BW and DQ (Skylake-X's set) */
    SK_CPU_AVX512_BF16 = 8, /* AVX-512 BF16 (Cooper Lake, Sapphire Rapids, Zen 4) */
};

/* This CPU's features, as an OR of the bits above; 0 off x86-64. */
unsigned sk_cpu_features(void);

/* Until sk_relaunch_on_fault_cancel, a SIGILL, SIGSEGV, SIGBUS or SIGFPE replaces the process by
 * execve(path, argv, envp). The arrays must stay valid until then. Returns 0, or -1 when a handler
 * could not be installed. */
int sk_relaunch_on_fault(const char *path, char *const argv[], char *const envp[]);

/* The default actions again. */
void sk_relaunch_on_fault_cancel(void);

/* Blocks of at least `bytes` come from mmap and go back to the system when freed, at that fixed
 * threshold: glibc otherwise raises the threshold to each large block freed and keeps later ones
 * of that size when they are freed. Does nothing outside glibc. */
void sk_fix_mmap_threshold(int bytes);

#endif
