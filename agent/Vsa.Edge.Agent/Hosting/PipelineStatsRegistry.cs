using System.Collections.Concurrent;
using System.Reflection;
using Vsa.Edge.Agent.Mqtt;
using Vsa.Edge.Agent.Pipeline;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Hosting;

/// <summary>The figures of every running camera, for heartbeats.</summary>
public sealed class PipelineStatsRegistry
{
    private readonly ConcurrentDictionary<string, PipelineStats> _cameras = new(StringComparer.Ordinal);

    /// <summary>Registers (or replaces) a camera's figures.</summary>
    public void Register(PipelineStats stats)
    {
        ArgumentNullException.ThrowIfNull(stats);
        _cameras[stats.CameraId] = stats;
    }

    /// <summary>Every camera, ordered by id.</summary>
    public IReadOnlyList<PipelineStats> All => [.. _cameras.Values.OrderBy(s => s.CameraId, StringComparer.Ordinal)];
}

/// <summary>Builds heartbeats from the camera figures and the model in use.</summary>
public sealed class HealthReporter(string deviceId, PipelineStatsRegistry registry, ModelRef? model, Func<string> executionProvider, TimeProvider time) : IHealthSource
{
    private static readonly string Version =
        typeof(HealthReporter).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";

    private readonly long _started = time.GetTimestamp();

    /// <summary>A camera counts as online when it processed a frame within this time.</summary>
    public TimeSpan OnlineWithin { get; init; } = TimeSpan.FromSeconds(10);

    /// <inheritdoc />
    public HealthMessage Build(DateTimeOffset now)
    {
        var cameras = registry.All
            .Select(s => s.Snapshot(OnlineWithin))
            .Select(s => new CameraHealth(s.CameraId, s.Online, Math.Round(s.Fps, 2), s.FramesDropped, Math.Round(s.InferenceMsP50, 2), Math.Round(s.InferenceMsP95, 2)))
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
            cameras);
    }
}
