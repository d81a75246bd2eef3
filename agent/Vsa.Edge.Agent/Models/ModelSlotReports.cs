using Vsa.Edge.Contracts;
using Vsa.Edge.Contracts.ModelPackages;

namespace Vsa.Edge.Agent.Models;

/// <summary>Publishes the device's model report (retained, QoS 1, on <see cref="Topics.ModelReported"/>).</summary>
public interface IModelReportSink
{
    /// <summary>Publishes <paramref name="report"/> as soon as the broker is reachable, superseding any report not yet sent.</summary>
    void Report(ModelReportedMessage report);
}

/// <summary>
/// The newest slot report of each model kind on this device. The report is retained on one topic, so each kind's service
/// (<see cref="ModelUpdateService"/>: detector, pose) publishes every kind's slot, its own just updated: a pose update never
/// hides the detector's state from the fleet, nor the other way round.
/// </summary>
public sealed class ModelSlotReports
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, ModelSlotReport> _slots = new(StringComparer.Ordinal);

    /// <summary>Records <paramref name="slot"/> (replacing its kind's) and returns every kind's slot, the detector first.</summary>
    public IReadOnlyList<ModelSlotReport> Put(ModelSlotReport slot)
    {
        ArgumentNullException.ThrowIfNull(slot);
        lock (_gate)
        {
            _slots[slot.Kind] = slot;
            return [.. _slots.Values.OrderBy(s => s.Kind == ModelPackageMetadata.DetectorKind ? 0 : 1).ThenBy(s => s.Kind, StringComparer.Ordinal)];
        }
    }
}
