using System.Reflection;
using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;
using Vsa.Edge.Agent.Mqtt;
using Vsa.Edge.Agent.Outbox;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Hosting;

/// <summary>
/// Builds heartbeats: per-camera figures, the model and execution provider in use, and — when set — the outbox, the
/// device's resources and the runtime versions.
/// </summary>
public sealed class HealthReporter(string deviceId, PipelineStatsRegistry registry, ModelRef? model, Func<string> executionProvider, TimeProvider time) : IHealthSource
{
    private static readonly string Version =
        typeof(HealthReporter).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";

    private readonly long _started = time.GetTimestamp();

    /// <summary>A camera counts as online when it processed a frame within this time.</summary>
    public TimeSpan OnlineWithin { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The outbox whose depth and drops each heartbeat carries; null leaves that to the publisher.</summary>
    public IAlertOutbox? Outbox { get; init; }

    /// <summary>Reads CPU, GPU, memory, disk and temperatures; null: not reported.</summary>
    public ResourceMonitor? Resources { get; init; }

    /// <summary>Runtime versions reported in every heartbeat.</summary>
    public RuntimeVersions? Runtime { get; init; } = CurrentRuntime();

    /// <summary>The kill switch, reported in every heartbeat; null: not reported.</summary>
    public Suspension.AgentSuspension? Suspension { get; init; }

    /// <inheritdoc />
    public HealthMessage Build(DateTimeOffset now)
    {
        var cameras = registry.All
            .Select(p => (Stats: p, Snapshot: p.Snapshot(OnlineWithin)))
            .Select(c => new CameraHealth(c.Snapshot.CameraId, c.Snapshot.Online, Math.Round(c.Snapshot.Fps, 2), c.Snapshot.FramesDropped, Math.Round(c.Snapshot.InferenceMsP50, 2), Math.Round(c.Snapshot.InferenceMsP95, 2),
                c.Stats.InferenceRuns, Suspension?.IsSuspended(c.Snapshot.CameraId)))
            .ToList();
        return new HealthMessage(
            HealthMessage.SchemaId,
            HealthMessage.CurrentVersion,
            deviceId,
            now,
            Math.Round(time.GetElapsedTime(_started).TotalSeconds, 1),
            Version,
            executionProvider(),
            model,
            cameras,
            Outbox is null ? null : PublishOutcomes.OutboxHealthOf(Outbox, now),
            Resources?.Read(),
            Runtime,
            Suspension?.Report(cameras.Select(c => c.CameraId)));
    }

    /// <summary>ONNX Runtime (native library), .NET and OS versions of this process.</summary>
    public static RuntimeVersions CurrentRuntime()
    {
        string? ort;
        try
        {
            ort = OrtEnv.Instance().GetVersionString();
        }
        catch (Exception ex) when (ex is OnnxRuntimeException or DllNotFoundException or TypeInitializationException or EntryPointNotFoundException)
        {
            // No native runtime loadable here: the heartbeat says so by omission rather than failing.
            ort = null;
        }

        return new RuntimeVersions(ort, RuntimeInformation.FrameworkDescription, RuntimeInformation.OSDescription);
    }
}
