using BenchmarkDotNet.Running;
using Vsa.Edge.Benchmarks.Counting;

// `./vsa bench` runs every suite; `./vsa bench --filter '*Preprocess*'` picks some (BenchmarkDotNet's own switches);
// `./vsa bench count [--frames]` prints the count error on the hand-counted frames of the demo clip.
if (args.FirstOrDefault() == "count")
{
    return CountBench.Run(args[1..], Console.Out);
}

BenchmarkSwitcher.FromAssembly(typeof(Vsa.Edge.Benchmarks.PreprocessBenchmarks).Assembly).Run(args);
return 0;
