using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.ML.OnnxRuntime;
using Vsa.Edge.Agent.Inference;
using Vsa.Edge.Testing;

namespace Vsa.Edge.Benchmarks.Cameras;

/// <summary>
/// <c>./vsa bench batch --model DIR [--cameras 1,2,4] [--rounds 20] [--steps 2] [--threads 2]</c>: the model-only aggregate
/// frames/s of N cameras (N real frames of the demo clip, one per camera, pre-processed once) run (a) on one session
/// per camera, one after another and concurrently, (b) on one shared session called concurrently (what the agent does
/// today), (c) as one batched run of N frames. DIR is a model converted with <c>--dynamic-batch</c>; the agent's own
/// model (fixed batch of one) is timed too as the reference. Every set-up is timed round-robin in each round so a load
/// change on a shared machine hits them alike; the figures are medians over the rounds and ratios to the reference,
/// and the process's CPU time per frame in each set-up (steadier than frames/s when the machine is shared).
/// </summary>
public static class BatchBench
{
    public const string Usage = "usage: ./vsa bench batch --model DIR (converted with --dynamic-batch) [--cameras 1,2,4] [--rounds 20] [--steps 2 (runs per camera per round)] [--threads 2]";

    public static int Run(string[] args, TextWriter output)
    {
        string model;
        int[] cameras;
        int rounds, steps, threads;
        try
        {
            model = Option(args, "--model", null) ?? throw new ArgumentException("batch: --model DIR is required");
            cameras = [.. Option(args, "--cameras", "1,2,4")!.Split(',').Select(c => Positive(c, "--cameras"))];
            rounds = Positive(Option(args, "--rounds", "20")!, "--rounds");
            steps = Positive(Option(args, "--steps", "2")!, "--steps");
            threads = Positive(Option(args, "--threads", BenchAssets.IntraOpThreads.ToString(CultureInfo.InvariantCulture))!, "--threads");
        }
        catch (ArgumentException ex)
        {
            output.WriteLine(ex.Message);
            output.WriteLine(Usage);
            return 2;
        }

        var max = cameras.Max();
        using var reference = Load(TestAssets.NanoDetDirectory, threads);
        var sessions = Enumerable.Range(0, max).Select(_ => Load(model, threads)).ToList();
        try
        {
            var input = sessions[0].Manifest.Input;
            if (input.Width != reference.Manifest.Input.Width || input.Height != reference.Manifest.Input.Height)
            {
                output.WriteLine($"batch: {model} is {input.Width}×{input.Height}, the agent's model {reference.Manifest.Input.Width}×{reference.Manifest.Input.Height}; compare like with like");
                return 2;
            }

            if (max > 1 && sessions[0].Session.InputMetadata[input.Name].Dimensions[0] >= 0)
            {
                output.WriteLine($"batch: {model} has a fixed batch of {sessions[0].Session.InputMetadata[input.Name].Dimensions[0]}; prepare it with ./vsa model prepare --input-size {input.Width}x{input.Height} --dynamic-batch");
                return 2;
            }

            var length = 3 * input.Width * input.Height;
            var tensors = Frames(sessions[0], max, length);
            using var runs = new Runs(input.Name, input.Height, input.Width, tensors);
            var check = runs.BatchDifference(sessions[0].Session, max);
            output.WriteLine($"{Environment.ProcessorCount} logical CPUs, load average {LoadAverage()}, ONNX Runtime CPU, {threads} intra-op threads per session, {steps} runs per camera per set-up per round, {rounds} rounds");
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"batch of {max} vs {max} single runs on the same session: max |difference| of the outputs {check:E1}"));
            var setups = new List<(int Cameras, string Name, Action Step)>
            {
                (1, $"reference: agent's model {reference.Manifest.Id} (batch fixed at 1)", () => runs.Single(reference.Session, 0)),
            };
            foreach (var n in cameras)
            {
                setups.Add((n, "one session per camera, one after another", () => Sequential(n, i => runs.Single(sessions[i].Session, i))));
                if (n > 1)
                {
                    setups.Add((n, "one session per camera, concurrently", () => Concurrent(n, i => runs.Single(sessions[i].Session, i))));
                    setups.Add((n, "one shared session, concurrently (agent today)", () => Concurrent(n, i => runs.Single(sessions[0].Session, i))));
                }

                setups.Add((n, $"one batched run of {n} frames (shared session)", () => runs.Batch(sessions[0].Session, n)));
            }

            // Each round starts at another set-up (none always runs first); ratios are taken within a round, then the median.
            var fps = setups.Select(_ => new double[rounds]).ToList();
            var cpu = new TimeSpan[setups.Count];
            for (var round = -1; round < rounds; round++)
            {
                for (var k = 0; k < setups.Count; k++)
                {
                    var s = (k + round + 1) % setups.Count;
                    var start = Stopwatch.GetTimestamp();
                    var cpuStart = Environment.CpuUsage.TotalTime;
                    for (var step = 0; step < steps; step++)
                    {
                        setups[s].Step();
                    }

                    if (round >= 0)
                    {
                        cpu[s] += Environment.CpuUsage.TotalTime - cpuStart;
                        fps[s][round] = setups[s].Cameras * steps / Stopwatch.GetElapsedTime(start).TotalSeconds;
                    }
                }
            }

            // CPU time per frame does not depend on the share of the cores the process gets (no spinning): on a shared
            // machine it is the steadier figure; the cores given to the agent ÷ CPU per frame bounds the aggregate rate.
            var cpuPerFrame = cpu.Select((c, s) => c.TotalMilliseconds / (rounds * steps * setups[s].Cameras)).ToList();
            output.WriteLine($"{"cameras",7}  {"set-up",-52} {"fps all (median)",16} {"× reference (median of per-round ratios, quartiles)",52} {"CPU/frame",10} {"× reference",11}");
            for (var s = 0; s < setups.Count; s++)
            {
                var ratios = Enumerable.Range(0, rounds).Select(r => fps[s][r] / fps[0][r]).Order().ToList();
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{setups[s].Cameras,7}  {setups[s].Name,-52} {Median(fps[s]),16:F1} {ratios[rounds / 2],10:F2} × ({ratios[rounds / 4]:F2}–{ratios[3 * rounds / 4]:F2}) {cpuPerFrame[s],25:F1} ms {cpuPerFrame[0] / cpuPerFrame[s],9:F2} ×"));
            }

            output.WriteLine($"load average at the end {LoadAverage()}");
        }
        finally
        {
            sessions.ForEach(s => s.Dispose());
        }

        return 0;
    }

    private static DetectorModel Load(string directory, int threads) => DetectorModel.Load(
        new InferenceOptions { ModelDirectory = directory, ExecutionProviders = [ExecutionProviderNames.Cpu], IntraOpThreads = threads },
        NullLogger.Instance);

    /// <summary>Camera i's frame: real frames of the clip, spread over it, pre-processed the agent's way.</summary>
    private static float[][] Frames(DetectorModel model, int count, int length)
    {
        using var preprocessor = new Preprocessor(model.Manifest.Input);
        return [.. Enumerable.Range(0, count).Select(i =>
        {
            using var frame = BenchAssets.ReadClipFrame(120 + (i * 150));
            var tensor = new float[length];
            preprocessor.Process(frame, tensor);
            return tensor;
        })];
    }

    private static void Sequential(int n, Action<int> run)
    {
        for (var i = 0; i < n; i++)
        {
            run(i);
        }
    }

    private static void Concurrent(int n, Action<int> run)
    {
        var threads = Enumerable.Range(0, n).Select(i => new Thread(() => run(i))).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
    }

    private static double Median(double[] values) => values.Order().ElementAt(values.Length / 2);

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    private static string? Option(string[] args, string name, string? fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
    }

    private static int Positive(string value, string name) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
            ? n
            : throw new ArgumentException($"batch: {name} wants positive whole numbers, got '{value}'");

    /// <summary>The input values: one per camera (batch of one) and one batch of the first n frames per n.</summary>
    private sealed class Runs : IDisposable
    {
        private readonly string _inputName;
        private readonly OrtValue[] _single;
        private readonly Dictionary<int, OrtValue> _batches = [];
        private readonly RunOptions _options = new();

        public Runs(string inputName, int height, int width, float[][] tensors)
        {
            _inputName = inputName;
            _single = [.. tensors.Select(t => OrtValue.CreateTensorValueFromMemory(t, [1, 3, height, width]))];
            for (var n = 1; n <= tensors.Length; n++)
            {
                _batches[n] = OrtValue.CreateTensorValueFromMemory(tensors.Take(n).SelectMany(t => t).ToArray(), [n, 3, height, width]);
            }
        }

        public void Single(InferenceSession session, int camera) => Run(session, _single[camera]).Dispose();

        public void Batch(InferenceSession session, int n) => Run(session, _batches[n]).Dispose();

        /// <summary>Largest difference between a batched run's outputs and the single runs of the same frames.</summary>
        public double BatchDifference(InferenceSession session, int n)
        {
            using var batched = Run(session, _batches[n]);
            var worst = 0.0;
            for (var i = 0; i < n; i++)
            {
                using var single = Run(session, _single[i]);
                for (var o = 0; o < single.Count; o++)
                {
                    var one = single[o].GetTensorDataAsSpan<float>();
                    var all = batched[o].GetTensorDataAsSpan<float>().Slice(i * one.Length, one.Length);
                    for (var j = 0; j < one.Length; j++)
                    {
                        worst = Math.Max(worst, Math.Abs(one[j] - all[j]));
                    }
                }
            }

            return worst;
        }

        private IDisposableReadOnlyCollection<OrtValue> Run(InferenceSession session, OrtValue input) =>
            session.Run(_options, [_inputName], [input], session.OutputNames);

        public void Dispose()
        {
            foreach (var v in _single.Concat(_batches.Values))
            {
                v.Dispose();
            }

            _options.Dispose();
        }
    }
}
