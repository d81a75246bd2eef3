using BenchmarkDotNet.Running;
using Vsa.Edge.Benchmarks.Cameras;
using Vsa.Edge.Benchmarks.Counting;

// `./vsa bench` runs every suite; `./vsa bench --filter '*Preprocess*'` picks some (BenchmarkDotNet's own switches);
// `./vsa bench count [--frames]` prints the count error on the hand-counted frames of the demo clip;
// `./vsa bench batch --model DIR` times one session per camera, one shared session and one batched run of N frames;
// `./vsa bench killswitch [--runs 20]` measures the kill switch's publish → last inference latency;
// `./vsa bench cameras [--cameras 1,2,4] [--session shared,per-camera] [--frames 150]` runs several cameras at once.
if (args.FirstOrDefault() == "count")
{
    return CountBench.Run(args[1..], Console.Out);
}

if (args.FirstOrDefault() == "batch")
{
    return BatchBench.Run(args[1..], Console.Out);
}

if (args.FirstOrDefault() == "killswitch")
{
    return await Vsa.Edge.Benchmarks.KillSwitch.KillSwitchBench.RunAsync(args[1..], Console.Out);
}

if (args.FirstOrDefault() == "cameras")
{
    return await CameraBench.RunAsync(args[1..], Console.Out);
}

BenchmarkSwitcher.FromAssembly(typeof(Vsa.Edge.Benchmarks.PreprocessBenchmarks).Assembly).Run(args);
return 0;
