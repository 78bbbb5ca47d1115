package io.chelonia.agent.kernel;

/**
 * What the kernel counts about one loaded program ({@code struct bpf_prog_info}). The kernel counts
 * runs and their time only while run-time statistics are enabled (the sysctl
 * kernel.bpf_stats_enabled, or a descriptor from {@code BPF_ENABLE_STATS} held open); recursion
 * misses are always counted.
 *
 * @param runTimeNanos total time the program ran, in nanoseconds
 * @param runCount how many times it ran
 * @param recursionMisses runs the kernel skipped because the program was already running on that
 *     CPU
 */
public record ProgramStats(long runTimeNanos, long runCount, long recursionMisses) {}
