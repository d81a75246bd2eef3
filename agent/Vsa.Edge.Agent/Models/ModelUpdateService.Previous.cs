using Microsoft.Extensions.Logging;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Models;

/// <summary>
/// The fleet asks for the model this device kept for rollback (a rollout aborted, or an administrator assigning the
/// previous package by hand): it goes back to that slot, already verified and validated when it was installed, instead of
/// fetching the package again — which the verifier would refuse as a downgrade of the model now running.
/// </summary>
public sealed partial class ModelUpdateService
{
    // Same model id, the version the state keeps as previous, in a slot (the factory model has its own path), and the very
    // package the slot was installed from: a desired state naming that version with another hash is not this slot (it is
    // fetched and verified like any package, and refused as a downgrade), so the device never reports a package it does not run.
    internal static bool IsKeptPrevious(DesiredModel desired, ModelSlotState state) =>
        state.Previous != ModelSlotState.Factory && state.PreviousVersion == desired.Version && state.ActiveId == desired.Id
        && state.PreviousSha256 is not null && string.Equals(state.PreviousSha256, desired.Sha256, StringComparison.OrdinalIgnoreCase);

    private async Task BackToPreviousAsync(DesiredModel desired, ModelSlotState state, CancellationToken ct)
    {
        var started = time.GetTimestamp();
        var model = await Task.Run(() => switchboard.Load(store.SlotDirectory(state.Previous), setup.Inference, logger), ct).ConfigureAwait(false);
        store.RollBack($"fleet: back to {desired.Version}{(desired.RolloutId is null ? string.Empty : $" ({desired.RolloutId})")}", time.GetUtcNow());
        await switchboard.SwitchToAsync(model, 0, ct, watch: false).ConfigureAwait(false);
        Step(desired, ModelUpdateState.Active, null, null);
        var milliseconds = time.GetElapsedTime(started).TotalMilliseconds;
        var from = state.ActiveVersion ?? DesiredModel.FactoryVersion;
        PreviousLog.BackToPrevious(logger, desired.Id, from, desired.Version, milliseconds);
    }
}

/// <summary>Log of <see cref="ModelUpdateService"/>'s return to the kept model.</summary>
internal static partial class PreviousLog
{
    [LoggerMessage(EventId = 13600, Level = LogLevel.Information, Message = "Model {ModelId}: back from {From} to the kept {To} as the fleet asks, in {Milliseconds:F0} ms (no download)")]
    public static partial void BackToPrevious(ILogger logger, string modelId, string from, string to, double milliseconds);
}
