using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Vsa.Edge.Agent.Core.Tracking;
using Vsa.Edge.Agent.Inference;
using Vsa.Edge.Agent.Pipeline;
using Vsa.Edge.Testing;

namespace Vsa.Edge.Benchmarks.Counting;

/// <summary>
/// <c>./vsa bench count [--models DIR,DIR…] [--rate-models DIR,DIR…] [--rate-rounds 40] [--centernet FILE.onnx] [--tiles] [--frames]</c>: the count error on the hand-counted frames of
/// the demo clip for each lever, and each detector set-up's model-only rate as a ratio to the agent's model in the
/// same run. Every set-up (the agent's model, each extra model directory, two tiles) makes one detector pass; the
/// tracker levers are replayed on each pass's candidates. <c>--rate-models</c> are only timed (no count pass).
/// </summary>
public static class CountBench
{
    /// <summary>The hand counts: <c>tests/Vsa.Edge.Agent.Tests/Data/vtest-counts.json</c>.</summary>
    public static string HandCountsPath => Path.Combine(TestAssets.RepositoryRoot, "tests", "Vsa.Edge.Agent.Tests", "Data", "vtest-counts.json");

    /// <summary>The tracker in the agent before issue 16's change of default (new-track threshold 0.6).</summary>
    public static TrackerOptions PreviousTracker => new() { NewTrackThreshold = 0.6f };

    /// <summary>The tracker and occlusion levers, each alone and in the combinations worth trying.</summary>
    public static IReadOnlyList<CountSettings> Levers { get; } =
    [
        new("previous defaults: new track 0.6, 2 hits") { Tracker = PreviousTracker },
        new("agent defaults") { Tracker = new TrackerOptions(), OcclusionMemory = new Agent.Core.Rules.RuleOptions().OcclusionMemory },
        new("occlusion memory 0.5 s") { Tracker = PreviousTracker, OcclusionMemory = TimeSpan.FromSeconds(0.5) },
        new("occlusion memory 1.0 s") { Tracker = PreviousTracker, OcclusionMemory = TimeSpan.FromSeconds(1.0) },
        new("occlusion memory 2.0 s") { Tracker = PreviousTracker, OcclusionMemory = TimeSpan.FromSeconds(2.0) },
        new("new track 0.45, high 0.4, 3 hits") { Tracker = new TrackerOptions { NewTrackThreshold = 0.45f, HighScoreThreshold = 0.4f, MinHitsToConfirm = 3 } },
        new("new track 0.4, high 0.35, 3 hits") { Tracker = new TrackerOptions { NewTrackThreshold = 0.4f, HighScoreThreshold = 0.35f, MinHitsToConfirm = 3 } },
        new("new track 0.4, high 0.35, 4 hits") { Tracker = new TrackerOptions { NewTrackThreshold = 0.4f, HighScoreThreshold = 0.35f, MinHitsToConfirm = 4 } },
        new("new track 0.5, high 0.45, 2 hits") { Tracker = new TrackerOptions { NewTrackThreshold = 0.5f, HighScoreThreshold = 0.45f } },
        new("new track 0.55, 2 hits") { Tracker = new TrackerOptions { NewTrackThreshold = 0.55f } },
        new("new track 0.55, 2 hits, occlusion 1.0 s") { Tracker = new TrackerOptions { NewTrackThreshold = 0.55f }, OcclusionMemory = TimeSpan.FromSeconds(1.0) },
    ];

    public static int Run(string[] args, TextWriter output)
    {
        var options = Options.Parse(args);
        var truth = HandCounts.Load(HandCountsPath);
        output.WriteLine($"hand counts: {truth.Frames.Count} frames of zone '{truth.Zone}', {truth.Frames.Average(f => f.Count):F2} persons on average");
        using var model = BenchAssets.LoadCpuModel();
        var persons = FrameAnalysis.PersonClasses(model.Manifest);
        var setups = Setups(model, options).Select(s => (s.Name, Loaded: s.Load())).ToList();
        try
        {
            var passes = new List<double>();
            foreach (var (name, (setup, _)) in setups.Where(s => !s.Name.StartsWith(RateOnly, StringComparison.Ordinal)))
            {
                var evaluation = ZoneCountEvaluation.Detect(setup, persons, TestAssets.DemoClip, truth);
                passes.Add(evaluation.ModelMsPerFrame);
                output.WriteLine();
                output.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"== {name}: model runs {evaluation.ModelMsPerFrame:F1} ms per frame in its pass ({passes[0] / evaluation.ModelMsPerFrame:F2} × the first pass's rate)"));
                Print(evaluation, options.PerFrame, output);
            }

            PrintInterleavedRates(setups.Select(s => (s.Name, s.Loaded.Item1)).ToList(), output, options.RateRounds);
        }
        finally
        {
            setups.ForEach(s => s.Loaded.Item2());
        }

        return 0;
    }

    /// <summary>
    /// Model-only rate of each set-up as a ratio to the first (the agent's model), timed round-robin on the same frames
    /// so that a change in the machine's load (shared build machine) hits every set-up alike. Each round starts at
    /// another set-up (no set-up always runs first), and the ratio is taken within each round (the baseline's time over
    /// the set-up's time in that round), then the median over the rounds; a rate model identical to the agent's
    /// shows the noise (it should read 1.00 ×). The process's CPU time per run (whole detection, no spinning) does not
    /// depend on the share of the cores the process gets, so its ratio is the steadier figure on a shared machine.
    /// </summary>
    private static void PrintInterleavedRates(List<(string Name, IFrameDetector Detect)> setups, TextWriter output, int rounds)
    {
        var ticks = setups.Select(_ => new long[rounds]).ToList();
        var cpu = new TimeSpan[setups.Count];
        var frames = new[] { 120, 300, 480, 660 }.Select(BenchAssets.ReadClipFrame).ToList();
        var results = new List<Agent.Core.Detection.Detection>(256);
        output.WriteLine();
        output.WriteLine($"load average before the round-robin: {LoadAverage()}");
        for (var r = -2; r < rounds; r++)
        {
            for (var k = 0; k < setups.Count; k++)
            {
                var i = (k + r + 2) % setups.Count;
                var cpuStart = Environment.CpuUsage.TotalTime;
                var t = setups[i].Detect.Detect(frames[(r + 2) % frames.Count], 0.1f, results);
                if (r >= 0)
                {
                    ticks[i][r] = t;
                    cpu[i] += Environment.CpuUsage.TotalTime - cpuStart;
                }
            }
        }

        frames.ForEach(f => f.Dispose());
        output.WriteLine($"model-only rate, set-ups timed round-robin ({rounds} rounds; ms: median; ratio: median of the per-round ratios, with its quartiles); load average after: {LoadAverage()}");
        for (var i = 0; i < setups.Count; i++)
        {
            var ratios = Enumerable.Range(0, rounds).Select(r => ticks[0][r] / (double)ticks[i][r]).Order().ToList();
            var median = ticks[i].Order().ElementAt(rounds / 2);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {setups[i].Name,-64} {System.Diagnostics.Stopwatch.GetElapsedTime(0, median).TotalMilliseconds,7:F1} ms   {ratios[rounds / 2]:F2} × ({ratios[rounds / 4]:F2}–{ratios[3 * rounds / 4]:F2})   CPU {cpu[i].TotalMilliseconds / rounds,6:F1} ms per frame, {cpu[0] / cpu[i]:F2} ×"));
        }
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    private const string RateOnly = "(rate only) ";

    private static void Print(ZoneCountEvaluation evaluation, bool perFrame, TextWriter output)
    {
        var first = true;
        foreach (var settings in Levers)
        {
            var result = evaluation.Evaluate(settings);
            if (first)
            {
                output.WriteLine($"{"raw detections (score >= 0.5)",-44} {result.Detections}   cone boxes {result.ConeBoxes}");
                first = false;
            }

            output.WriteLine($"{settings.Name,-44} {result.Tracks}   cone track-frames {result.ConeTracks}");
            if (perFrame)
            {
                foreach (var (frame, t, tracks, detections) in result.PerFrame.Where(p => p.Tracks != p.Truth))
                {
                    output.WriteLine($"    frame {frame}: {t} by hand, {tracks} tracks, {detections} detections");
                }
            }
        }
    }

    private static IEnumerable<(string Name, Func<(IFrameDetector, Action)> Load)> Setups(DetectorModel model, Options options)
    {
        yield return ($"agent's model {Describe(model)}", () => Whole(model));
        foreach (var (directory, rateOnly) in options.Models.Select(m => (m, false)).Concat(options.RateModels.Select(m => (m, true))))
        {
            yield return ($"{(rateOnly ? RateOnly : "")}model {Path.GetFileName(directory.TrimEnd('/'))}", () =>
            {
                var other = DetectorModel.Load(
                    new InferenceOptions { ModelDirectory = directory, ExecutionProviders = [ExecutionProviderNames.Cpu], IntraOpThreads = BenchAssets.IntraOpThreads },
                    NullLogger.Instance);
                var (setup, dispose) = Whole(other);
                return (setup, () => { dispose(); other.Dispose(); });
            });
        }

        if (options.CenterNet is { } centerNet)
        {
            yield return ("CenterNet 512×512 (converted by our tool), alone", () =>
            {
                var detector = new CenterNetDetector(centerNet, BenchAssets.IntraOpThreads);
                return (detector, detector.Dispose);
            });
            yield return ("fusion: the agent's model + CenterNet, one NMS", () =>
            {
                var (whole, dispose) = Whole(model);
                var other = new CenterNetDetector(centerNet, BenchAssets.IntraOpThreads);
                return (new Fused(whole, other, model.Manifest.Output.NmsIouThreshold), () => { dispose(); other.Dispose(); });
            });
        }

        if (options.Tiles)
        {
            yield return ($"two tiles of the agent's model (each 10/16 of the width, full height)", () =>
            {
                var detector = model.CreateDetector();
                var tiled = new Tiled(detector, 2, 0.125f, model.Manifest.Output.NmsIouThreshold);
                return (tiled, () => { tiled.Dispose(); detector.Dispose(); });
            });
        }
    }

    private static (IFrameDetector, Action) Whole(DetectorModel model)
    {
        var detector = model.CreateDetector();
        var whole = new WholeFrame(detector);
        return (whole, () => { whole.Dispose(); detector.Dispose(); });
    }

    private static string Describe(DetectorModel model) =>
        FormattableString.Invariant($"{model.Manifest.Id} {model.Manifest.Input.Width}×{model.Manifest.Input.Height} {model.Manifest.Input.Resize}");

    private sealed record Options(IReadOnlyList<string> Models, IReadOnlyList<string> RateModels, bool Tiles, bool PerFrame, string? CenterNet, int RateRounds)
    {
        public static Options Parse(string[] args)
        {
            var models = new List<string>();
            var rateModels = new List<string>();
            string? centerNet = null;
            var rateRounds = 40;
            for (var i = 0; i < args.Length; i++)
            {
                if (args[i] == "--models" && i + 1 < args.Length)
                {
                    models.AddRange(args[++i].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
                }
                else if (args[i] == "--rate-models" && i + 1 < args.Length)
                {
                    rateModels.AddRange(args[++i].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
                }
                else if (args[i] == "--rate-rounds" && i + 1 < args.Length)
                {
                    rateRounds = int.TryParse(args[++i], NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= 4
                        ? n
                        : throw new ArgumentException($"count: --rate-rounds wants a whole number of at least 4, got '{args[i]}'");
                }
                else if (args[i] == "--centernet" && i + 1 < args.Length)
                {
                    centerNet = args[++i];
                }
                else if (args[i] is not ("--tiles" or "--frames"))
                {
                    throw new ArgumentException($"count: unknown argument '{args[i]}' (use --models DIR,DIR… --rate-models DIR,DIR… --rate-rounds 40 --centernet FILE.onnx --tiles --frames)");
                }
            }

            return new Options(models, rateModels, args.Contains("--tiles"), args.Contains("--frames"), centerNet, rateRounds);
        }
    }
}
