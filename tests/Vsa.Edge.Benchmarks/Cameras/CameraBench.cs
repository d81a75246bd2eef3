using System.Globalization;
using Vsa.Edge.Configuration;
using Vsa.Edge.Testing;

namespace Vsa.Edge.Benchmarks.Cameras;

/// <summary>
/// <c>./vsa bench cameras [--cameras 1,2,4] [--session shared,per-camera] [--frames 150] [--threads 2] [--rounds 1]</c>: several
/// copies of the demo clip on one agent, every setting in one run (each round runs them all again, so a load
/// change on a shared machine shows as a difference between rounds) so the ratios compare like with like. Prints the
/// aggregate frames/s, each camera's frames/s, the read-to-sink latency p50/p95 (all cameras pooled) and the model run's
/// p50 per camera and the process's CPU time per frame.
/// </summary>
public static class CameraBench
{
    public const string Usage = "usage: ./vsa bench cameras [--cameras 1,2,4] [--session shared,per-camera] [--frames 150 (per camera)] [--threads 2 (intra-op threads per session)] [--rounds 1]";

    public static async Task<int> RunAsync(string[] args, TextWriter output)
    {
        int[] cameras;
        SessionSharing[] sharings;
        int frames, threads, rounds;
        try
        {
            cameras = [.. Option(args, "--cameras", "1,2,4").Split(',').Select(c => Positive(c, "--cameras"))];
            sharings = [.. Option(args, "--session", "shared,per-camera").Split(',').Select(ParseSharing)];
            frames = Positive(Option(args, "--frames", "150"), "--frames");
            threads = Positive(Option(args, "--threads", BenchAssets.IntraOpThreads.ToString(CultureInfo.InvariantCulture)), "--threads");
            rounds = Positive(Option(args, "--rounds", "1"), "--rounds");
        }
        catch (ArgumentException ex)
        {
            output.WriteLine(ex.Message);
            output.WriteLine(Usage);
            return 2;
        }

        var camera = CameraConfigLoader.Load(Path.Combine(TestAssets.RepositoryRoot, "agent", "Vsa.Edge.Agent", "samples", "vtest-camera.json"));
        output.WriteLine($"{Environment.ProcessorCount} logical CPUs, ONNX Runtime CPU, {threads} intra-op threads per session, {frames} frames per camera, not paced");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"model only (one session, one frame run 40 times): {ModelCpuMsPerRun(threads):F1} ms CPU per run"));
        output.WriteLine($"{"round",5} {"cameras",7} {"session",-11} {"sessions",8} {"fps all",8} {"fps/camera",10} {"latency p50",11} {"p95",7} {"model run p50",13} {"CPU/frame",9}");
        // One camera on its own session is the same thing as one camera on a shared one: measured once.
        var settings = cameras
            .SelectMany(n => sharings.Select(sharing => (Cameras: n, Sharing: sharing)))
            .Where(s => !(s.Cameras == 1 && s.Sharing == SessionSharing.PerCamera && sharings.Contains(SessionSharing.Shared)))
            .ToArray();
        for (var round = 1; round <= rounds; round++)
        {
            foreach (var (n, sharing) in settings)
            {
                var r = await CameraRun.RunAsync(TestAssets.DemoClip, camera, n, sharing, frames, threads);
                var sessions = sharing == SessionSharing.Shared ? 1 : n;
                output.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"{round,5} {n,7} {Name(sharing),-11} {sessions,8} {r.AggregateFps,8:F1} {r.PerCameraFps.Average(),10:F1} {r.Latency(0.5),8:F0} ms {r.Latency(0.95),4:F0} ms {r.ModelMsP50.Average(),10:F0} ms {r.CpuMsPerFrame,6:F0} ms"));
            }
        }

        return 0;
    }

    // The model run's own CPU cost, so the pipeline's CPU per frame splits into the model and the rest (decoding the
    // video, pre-processing, decoding the outputs, tracking, rules).
    private static double ModelCpuMsPerRun(int threads)
    {
        using var model = CameraRun.LoadModel(threads);
        using var detector = model.CreateDetector();
        using var buffers = detector.CreateBuffers();
        using var frame = BenchAssets.ReadClipFrame(100);
        detector.Preprocess(frame, buffers);
        detector.Run(buffers);
        using var process = System.Diagnostics.Process.GetCurrentProcess();
        var before = process.TotalProcessorTime;
        const int Runs = 40;
        for (var i = 0; i < Runs; i++)
        {
            detector.Run(buffers);
        }

        process.Refresh();
        return (process.TotalProcessorTime - before).TotalMilliseconds / Runs;
    }

    private static string Name(SessionSharing sharing) => sharing == SessionSharing.Shared ? "shared" : "per-camera";

    private static SessionSharing ParseSharing(string value) => value switch
    {
        "shared" => SessionSharing.Shared,
        "per-camera" => SessionSharing.PerCamera,
        _ => throw new ArgumentException($"--session: '{value}' is neither 'shared' nor 'per-camera'."),
    };

    private static string Option(string[] args, string name, string fallback)
    {
        var i = Array.IndexOf(args, name);
        return i < 0 ? fallback : i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"{name} needs a value.");
    }

    private static int Positive(string value, string name) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
            ? n
            : throw new ArgumentException($"{name}: '{value}' is not a positive whole number.");
}
