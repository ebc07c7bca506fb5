/*
 * Preloaded into Phalanx's JVMs (LD_PRELOAD) so that the oneMKL linked into DJL's PyTorch natives
 * picks its matrix-product kernels by the CPU's features, not by its vendor.
 *
 * Why: oneMKL asks mkl_serv_intel_cpu_true() whether it runs on an Intel CPU and, when it does
 * not, uses generic kernels; on an AMD EPYC with AVX-512 that made a 64x784x256 float product
 * take 312 us instead of 142 us, and the benchmark MLP's whole step about 40% longer
 * (docs/BENCHMARKS-HISTORY.md, "Lever: oneMKL's kernels on AMD CPUs"). The symbol is exported by
 * libtorch_cpu.so and called through its procedure linkage table, so this definition takes its
 * place. On Intel CPUs the answer is the same as oneMKL's own.
 */
int mkl_serv_intel_cpu_true(void) {
    return 1;
}
