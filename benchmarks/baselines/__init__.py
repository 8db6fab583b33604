"""Earlier models kept for benchmarks to compare against."""
