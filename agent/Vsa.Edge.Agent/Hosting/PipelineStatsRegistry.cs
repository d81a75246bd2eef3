using System.Collections.Concurrent;
using Vsa.Edge.Agent.Pipeline;

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

    /// <summary>Forgets a camera that no longer runs (removed by a configuration change), so the watchdog does not wait for it.</summary>
    public void Unregister(string cameraId) => _cameras.TryRemove(cameraId, out _);

    /// <summary>Every camera, ordered by id.</summary>
    public IReadOnlyList<PipelineStats> All => [.. _cameras.Values.OrderBy(s => s.CameraId, StringComparer.Ordinal)];
}
