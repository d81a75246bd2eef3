using Microsoft.Extensions.Logging;
using Vsa.Edge.Agent.Core.Reconcile;
using Vsa.Edge.Agent.DesiredConfig;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Reconcile;

/// <summary>What the check decided about one received desired configuration.</summary>
public enum CheckVerdict
{
    /// <summary>Already handled (a retained copy delivered again): nothing to do.</summary>
    Skip,

    /// <summary>What runs was received again after a refusal: report it as applied again, change nothing.</summary>
    AppliedAgain,

    /// <summary>Refused: the previous configuration keeps running; report the errors.</summary>
    Reject,

    /// <summary>Valid and new: plan and run it.</summary>
    Accept,
}

/// <summary>The outcome of <see cref="DesiredConfigCheck.Check"/>.</summary>
/// <param name="Verdict">What to do.</param>
/// <param name="Version">The version when it could be read (null: unsigned, forged, another device's).</param>
/// <param name="Errors">Why it was refused (<see cref="CheckVerdict.Reject"/>).</param>
/// <param name="Valid">The checked configuration (<see cref="CheckVerdict.Accept"/>).</param>
public sealed record CheckOutcome(CheckVerdict Verdict, long? Version, IReadOnlyList<string> Errors, ValidDesiredConfig? Valid);

/// <summary>
/// Checks one received desired configuration against what was reported: refused bytes received again, a retained copy of
/// what runs, an older version, a signature or document that does not hold (<see cref="DesiredConfigChecker"/>: all or
/// nothing) against the manifest of the detector loaded now. Only a valid, new one goes on to the planner.
/// </summary>
public sealed class DesiredConfigCheck(string deviceId, Func<ModelManifest> manifest, ILogger logger)
{
    /// <summary>The verdict on <paramref name="received"/> given the last <paramref name="reported"/> state.</summary>
    public CheckOutcome Check(ReceivedConfig received, ReportedState reported)
    {
        ArgumentNullException.ThrowIfNull(received);
        ArgumentNullException.ThrowIfNull(reported);
        var opened = received.Opened;
        if (reported.Status == ConfigApplyStatus.Rejected && opened.Sha256 == reported.RejectedSha256)
        {
            // The same refused bytes again (a retained copy at reconnection): already refused and reported.
            ConfigLog.RefusedAgain(logger, opened.Sha256);
            return new CheckOutcome(CheckVerdict.Skip, null, [], null);
        }

        if (opened.Message is not { } message)
        {
            // Not the fleet's, or not for this device: its version is not even read, so it neither runs nor blocks anything.
            return new CheckOutcome(CheckVerdict.Reject, null, [opened.Error!], null);
        }

        var runs = reported.Source == ConfigSource.Fleet && message.Version == reported.Applied;
        if (runs || (message.Version == reported.LastReceived && reported.Status == ConfigApplyStatus.Rejected && reported.RejectedWasSigned))
        {
            // A retained copy delivered again at reconnection: normal. Of what runs, after a refused message: the
            // newest received is the applied one again.
            ConfigLog.AlreadyHandled(logger, message.Version);
            var verdict = runs && reported.Status == ConfigApplyStatus.Rejected ? CheckVerdict.AppliedAgain : CheckVerdict.Skip;
            return new CheckOutcome(verdict, message.Version, [], null);
        }

        if (reported.Applied is { } running && message.Version < running)
        {
            return new CheckOutcome(CheckVerdict.Reject, message.Version, [$"version: {message.Version} is older than the applied version {running}"], null);
        }

        var valid = DesiredConfigChecker.Check(message, deviceId, manifest(), out var errors);
        return valid is null
            ? new CheckOutcome(CheckVerdict.Reject, message.Version, errors, null)
            : new CheckOutcome(CheckVerdict.Accept, message.Version, [], valid);
    }
}
