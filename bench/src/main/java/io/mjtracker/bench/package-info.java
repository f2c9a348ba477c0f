/**
 * Benchmarks that print figures for BENCHMARKS.md, each as a ratio against a baseline measured in the
 * same run: {@link io.mjtracker.bench.Bench} runs them; {@link io.mjtracker.bench.CodecBenchmark} is the
 * JMH suite for parsing and serialising.
 */
package io.mjtracker.bench;
