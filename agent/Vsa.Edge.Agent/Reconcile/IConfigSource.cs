using Vsa.Edge.Agent.Core.Reconcile;
using Vsa.Edge.Agent.Core.Rules;
using Vsa.Edge.Agent.DesiredConfig;
using Vsa.Edge.Agent.Hosting;
using Vsa.Edge.Configuration;

namespace Vsa.Edge.Agent.Reconcile;

/// <summary>One desired configuration as received, opened (signature and device checked) but not yet checked whole.</summary>
/// <param name="Payload">The signed bytes as received (kept on disk once applied).</param>
/// <param name="Opened">What the signature check found.</param>
public sealed record ReceivedConfig(byte[] Payload, OpenedDesiredConfig Opened);

/// <summary>Where desired states come from: the one to start with, then each one the fleet sends.</summary>
public interface IConfigSource
{
    /// <summary>Decides what runs at start, before any hosted service starts; throws when nothing may run (fail closed).</summary>
    void Decide();

    /// <summary>The desired state to run at start (the one <see cref="Decide"/> chose).</summary>
    DesiredState Initial();

    /// <summary>Logs what runs at start, once it runs.</summary>
    void LogRunning(DesiredState initial);

    /// <summary>The desired state of a checked fleet configuration.</summary>
    DesiredState Fleet(ValidDesiredConfig valid);

    /// <summary>The desired configurations received, in order, until <paramref name="cancellationToken"/>.</summary>
    IAsyncEnumerable<ReceivedConfig> ReceiveAsync(CancellationToken cancellationToken);

    /// <summary>Keeps an applied configuration so the next start runs it, even offline.</summary>
    void Keep(ReceivedConfig applied);

    /// <summary>Watches the local camera files while they decide: a valid edit goes to <paramref name="reloaded"/> (the document as written, the same with its source resolved, its rules), every attempt to <paramref name="outcomes"/>.</summary>
    void WatchLocalFiles(Func<CameraConfig, RuleEngine> buildRules, Action<CameraConfig, CameraConfig, RuleEngine> reloaded, Action<CameraReloadOutcome> outcomes);

    /// <summary>From now on the fleet decides: the local files are no longer watched.</summary>
    void StopWatchingFiles();
}
