using BenchmarkDotNet.Running;

// `./vsa bench` runs every suite; `./vsa bench --filter '*Preprocess*'` picks some (BenchmarkDotNet's own switches).
BenchmarkSwitcher.FromAssembly(typeof(Vsa.Edge.Benchmarks.PreprocessBenchmarks).Assembly).Run(args);
