using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Suspension;

/// <summary>
/// Applies the fleet's suspension states as they arrive on <c>vsa/v1/{deviceId}/suspension</c>, on its own loop: never
/// behind a desired configuration being applied (that runs on the agent worker). Each payload is verified
/// (<see cref="SuspensionVerifier"/>), kept on disk (<see cref="SuspensionFile"/>) and then applied to
/// <see cref="AgentSuspension"/>, which the pipelines read at their next frame.
/// </summary>
public sealed class SuspensionHandler(AgentSuspension suspension, SuspensionVerifier verifier, SuspensionFile file, ILogger<SuspensionHandler> logger) : BackgroundService
{
    private readonly Channel<byte[]> _inbox = Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true });

    /// <summary>The state this handler applies to (resolve it through the handler: the kept state is then loaded).</summary>
    public AgentSuspension Suspension => suspension;

    /// <summary>Where the MQTT client writes the payloads received on the suspension topic.</summary>
    public ChannelWriter<byte[]> Inbox => _inbox.Writer;

    /// <summary>Refused payloads since start (forged, another device's, replayed older versions).</summary>
    public long Refused => Interlocked.Read(ref _refused);

    private long _refused;

    /// <summary>
    /// Applies the state kept on disk (at start, before any camera runs). A file that cannot be read or does not verify is
    /// logged and the whole device stays suspended (fail closed) until the fleet's verified state arrives, which it does
    /// again (retained) at the first connection: a damaged or forged file can stop analysis, never resume it.
    /// </summary>
    public void LoadKept()
    {
        var kept = file.TryLoad(out var problem);
        if (problem is not null)
        {
            SuspensionLog.KeptUnreadable(logger, problem);
            suspension.SuspendUntilVerified();
        }

        if (kept is null)
        {
            return;
        }

        var opened = verifier.Open(kept, suspension.Version);
        if (opened.Message is { } message)
        {
            suspension.Apply(message);
            SuspensionLog.KeptApplied(logger, message.Version, file.FilePath, Describe(message));
        }
        else if (opened.Error is { } error)
        {
            SuspensionLog.KeptRefused(logger, file.FilePath, error);
            suspension.SuspendUntilVerified();
        }
    }

    /// <summary>Verifies, keeps and applies one received payload; returns the refusal, or null.</summary>
    public string? Handle(byte[] payload)
    {
        ArgumentNullException.ThrowIfNull(payload);
        var opened = verifier.Open(payload, suspension.Version);
        if (opened.AlreadyApplied)
        {
            return null;
        }

        if (opened.Message is not { } message)
        {
            Interlocked.Increment(ref _refused);
            SuspensionLog.Refused(logger, opened.Error!);
            return opened.Error;
        }

        try
        {
            file.Save(payload);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Applied anyway: stopping the analysis now matters more than remembering it across a restart.
            SuspensionLog.KeepFailed(logger, file.FilePath, ex.Message);
        }

        suspension.Apply(message);
        SuspensionLog.Applied(logger, message.Version, Describe(message));
        return null;
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var payload in _inbox.Reader.ReadAllAsync(stoppingToken))
            {
                Handle(payload);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private static string Describe(SuspensionStateMessage m) =>
        m.Device is { } d ? $"whole device ({d.Scope}: {d.Reason})"
        : m.Cameras.Count > 0 ? "cameras " + string.Join(", ", m.Cameras.Select(c => c.CameraId))
        : "nothing suspended";
}
