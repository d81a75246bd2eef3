using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Vsa.Edge.FleetManager.Ingestion;

/// <summary>Counts per message outcome: published as the <c>vsa.fleet.messages</c> metric and kept for the status API.</summary>
public sealed class IngestionStatistics
{
    /// <summary>Meter name, for OpenTelemetry or <c>dotnet-counters monitor --counters Vsa.Edge.FleetManager</c>.</summary>
    public const string MeterName = "Vsa.Edge.FleetManager";

    private readonly Counter<long> _messages;
    private readonly long[] _accepted = new long[Enum.GetValues<MessageKind>().Length];
    private readonly long[] _rejected = new long[Enum.GetValues<RejectReason>().Length];
    private long _duplicates;
    private long _stale;
    private long _coalesced;

    /// <summary>Creates the counters on the host's meter factory.</summary>
    public IngestionStatistics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _messages = meter.CreateCounter<long>("vsa.fleet.messages", unit: "{message}", description: "MQTT messages handled by the ingestion, by kind and outcome.");
    }

    /// <summary>A message stored (alert applied, heartbeat or status recorded).</summary>
    public void Accepted(MessageKind kind)
    {
        Interlocked.Increment(ref _accepted[(int)kind]);
        Record(kind, "accepted", null);
    }

    /// <summary>A message whose id was already stored.</summary>
    public void Duplicate(MessageKind kind)
    {
        Interlocked.Increment(ref _duplicates);
        Record(kind, "duplicate", null);
    }

    /// <summary>A message older than what is held (kept in the message log, no state change).</summary>
    public void Stale(MessageKind kind)
    {
        Interlocked.Increment(ref _stale);
        Record(kind, "stale", null);
    }

    /// <summary>
    /// A heartbeat that updated its device but was not kept in the history, coming sooner than
    /// <see cref="IngestionOptions.MinHeartbeatInterval"/> after the previous one kept.
    /// </summary>
    public void Coalesced(MessageKind kind)
    {
        Interlocked.Increment(ref _coalesced);
        Record(kind, "coalesced", null);
    }

    /// <summary>A refused message.</summary>
    public void Rejected(MessageKind? kind, RejectReason reason)
    {
        Interlocked.Increment(ref _rejected[(int)reason]);
        Record(kind, "rejected", RejectReasons.Name(reason));
    }

    /// <summary>How many messages of <paramref name="reason"/> were refused.</summary>
    public long RejectedCount(RejectReason reason) => Interlocked.Read(ref _rejected[(int)reason]);

    /// <summary>A consistent-enough copy for the status API (each counter is read atomically).</summary>
    public MessageCounts Snapshot() => new(
        Alerts: Interlocked.Read(ref _accepted[(int)MessageKind.Alert]),
        Heartbeats: Interlocked.Read(ref _accepted[(int)MessageKind.Health]),
        Statuses: Interlocked.Read(ref _accepted[(int)MessageKind.Status]),
        ConfigReports: Interlocked.Read(ref _accepted[(int)MessageKind.ConfigReported]),
        Duplicates: Interlocked.Read(ref _duplicates),
        Stale: Interlocked.Read(ref _stale),
        Rejected: Enum.GetValues<RejectReason>().ToDictionary(RejectReasons.Name, r => Interlocked.Read(ref _rejected[(int)r])),
        HeartbeatsCoalesced: Interlocked.Read(ref _coalesced));

    /// <summary>The wire name of a message kind, in metrics and dead letters.</summary>
    public static string KindName(MessageKind kind) => kind switch
    {
        MessageKind.Alert => "alert",
        MessageKind.Health => "health",
        MessageKind.Status => "status",
        MessageKind.Event => "event",
        MessageKind.ConfigProposal => "config_proposal",
        MessageKind.ModelReported => "model_reported",
        _ => "config_reported",
    };

    private void Record(MessageKind? kind, string outcome, string? reason)
    {
        var tags = new TagList
        {
            { "kind", kind is { } k ? KindName(k) : "unknown" },
            { "outcome", outcome },
        };
        if (reason is not null)
        {
            tags.Add("reason", reason);
        }

        _messages.Add(1, tags);
    }
}

/// <summary>Message counters since start.</summary>
/// <param name="Alerts">Alert messages that moved an alert forward.</param>
/// <param name="Heartbeats">Heartbeats recorded in the history.</param>
/// <param name="Statuses">Status messages recorded.</param>
/// <param name="ConfigReports">Configuration reports recorded.</param>
/// <param name="Duplicates">Messages ignored because their id was already stored.</param>
/// <param name="Stale">Messages older than what is held.</param>
/// <param name="Rejected">Refused messages by reason.</param>
/// <param name="HeartbeatsCoalesced">Heartbeats that updated their device but came too soon to be kept in the history.</param>
public sealed record MessageCounts(long Alerts, long Heartbeats, long Statuses, long ConfigReports, long Duplicates, long Stale, IReadOnlyDictionary<string, long> Rejected, long HeartbeatsCoalesced = 0);
