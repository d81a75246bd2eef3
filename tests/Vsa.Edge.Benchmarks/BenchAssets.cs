using Microsoft.Extensions.Logging.Abstractions;
using OpenCvSharp;
using Vsa.Edge.Agent.Inference;
using Vsa.Edge.Testing;

namespace Vsa.Edge.Benchmarks;

/// <summary>The real model and clip the benchmarks run on, loaded the way the agent loads them.</summary>
internal static class BenchAssets
{
    /// <summary>Same thread setting for every suite, so ratios compare like with like.</summary>
    public const int IntraOpThreads = 2;

    public static DetectorModel LoadCpuModel() => DetectorModel.Load(
        new InferenceOptions
        {
            ModelDirectory = TestAssets.NanoDetDirectory,
            ExecutionProviders = [ExecutionProviderNames.Cpu],
            IntraOpThreads = IntraOpThreads,
        },
        NullLogger.Instance);

    /// <summary>Decodes frame <paramref name="index"/> of the demo clip.</summary>
    public static Mat ReadClipFrame(int index)
    {
        using var capture = new VideoCapture(TestAssets.DemoClip);
        var frame = new Mat();
        for (var i = 0; i <= index; i++)
        {
            if (!capture.Read(frame) || frame.Empty())
            {
                throw new InvalidOperationException($"The demo clip has no frame {index}.");
            }
        }

        return frame;
    }
}
