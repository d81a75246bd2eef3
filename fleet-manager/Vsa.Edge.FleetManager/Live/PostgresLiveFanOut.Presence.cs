using System.Globalization;
using Npgsql;

namespace Vsa.Edge.FleetManager.Live;

/// <summary>
/// Who else listens (issue 17.1): a fleet of one instance — most deployments — sent every alert and decision to PostgreSQL as
/// a notification that only it heard, and ignored. In the load generator that cost the PostgreSQL fleet about a sixth of
/// its ingest rate (0.67–0.70 × the plain subscriber with the fan-out, 0.84 × without, same run of builds). Now each instance
/// says <c>hello</c> on the channel once it listens, every other instance answers <c>here</c>, and each says <c>here</c>
/// every <see cref="LiveOptions.FanOutPresenceInterval"/>; an instance sends its events only while it has heard another
/// instance (any notification of another origin, an older version's events included) within three intervals. Alone, it
/// drops its events (<see cref="Skipped"/>): an instance that starts later loads its browsers' queues from the database,
/// and says hello before it serves them. A presence message carries its sender's interval (in seconds): absence is judged by
/// the longer of the two, so instances configured differently do not take each other for gone. An instance of a version
/// before presence never says hello: once one of its events is heard, this instance keeps sending for
/// <see cref="LegacyPeerHorizon"/> after the last one (a rolling upgrade). Times are monotonic (the clock's timestamps), so
/// a step of the wall clock does not silence an instance; at most one answer to a hello is in flight.
/// </summary>
public sealed partial class PostgresLiveFanOut
{
    private const string Hello = "hello";
    private const string Here = "here";
    /// <summary>How long events are still sent after the last event of an instance that never says hello (an older version).</summary>
    public static readonly TimeSpan LegacyPeerHorizon = TimeSpan.FromHours(1);

    private readonly TaskCompletionSource _peerHeard = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> _aware = new(StringComparer.Ordinal);
    private long _presentUntil;
    private long _skipped;
    private int _answering;
    private NpgsqlDataSource? _source;

    /// <summary>Completes once another instance was first heard on the channel.</summary>
    public Task PeerHeard => _peerHeard.Task;

    /// <summary>True while another instance was heard recently enough (see the class): events are sent only then.</summary>
    public bool PeersPresent
    {
        get
        {
            var until = Interlocked.Read(ref _presentUntil);
            return until != 0 && time.GetTimestamp() < until;
        }
    }

    /// <summary>
    /// Events published but not sent because no other instance was listening (the broker connection events are never sent).
    /// Alerts, heartbeats and device changes are not even published while nobody listens (<see cref="LiveBroadcaster.HasListeners"/>),
    /// so a fleet of one instance with no browser open counts only what is published regardless (decisions, claims…).
    /// </summary>
    public long Skipped => Interlocked.Read(ref _skipped);

    /// <summary>Notes a notification of another instance; answers its hello. True when it was a presence message (not an event).</summary>
    private bool HeardPeer(string origin, string type, string body)
    {
        var presence = type is Hello or Here;
        var own = options.Value.FanOutPresenceInterval;
        TimeSpan valid;
        if (presence)
        {
            // Three of the longer interval: its own is in its message.
            var theirs = int.TryParse(body, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds is > 0 and <= 3600 ? TimeSpan.FromSeconds(seconds) : own;
            valid = 3 * (theirs > own ? theirs : own);
            if (_aware.Count > 1000)
            {
                _aware.Clear();
            }

            _aware[origin] = true;
        }
        else
        {
            // An event: from a peer that says hello, its presence messages keep it; from one that never does (an older
            // version), it keeps this instance sending for the legacy horizon.
            valid = _aware.ContainsKey(origin) ? TimeSpan.Zero : LegacyPeerHorizon;
        }

        var until = time.GetTimestamp() + (long)(valid.TotalSeconds * time.TimestampFrequency);
        long current;
        while ((current = Interlocked.Read(ref _presentUntil)) < until && Interlocked.CompareExchange(ref _presentUntil, until, current) != current)
        {
        }

        if (_peerHeard.TrySetResult())
        {
            LogPeerHeard(logger, options.Value.FanOutChannel);
        }

        if (type == Hello && Interlocked.CompareExchange(ref _answering, 1, 0) == 0)
        {
            _ = AnswerAsync();
        }

        return presence;
    }

    private async Task AnswerAsync()
    {
        try
        {
            await AnnounceAsync(Here, CancellationToken.None);
        }
        finally
        {
            Volatile.Write(ref _answering, 0);
        }
    }

    /// <summary>Counts an event published while no other instance listens (the broadcaster did not queue it).</summary>
    private void CountSkipped(LiveEvent liveEvent)
    {
        if (liveEvent.Type != LiveEventTypes.Ingestion)
        {
            Interlocked.Increment(ref _skipped);
        }
    }

    /// <summary>Drops what the queue holds while no other instance listens (queued before the last one fell silent); true when it did.</summary>
    private bool SkipWhileAlone(System.Threading.Channels.ChannelReader<LiveEvent> reader)
    {
        if (PeersPresent)
        {
            return false;
        }

        while (reader.TryRead(out var dropped))
        {
            if (dropped.Type != LiveEventTypes.Ingestion)
            {
                Interlocked.Increment(ref _skipped);
            }
        }

        return true;
    }

    private async Task AnnounceAsync(NpgsqlConnection connection, string type, CancellationToken ct)
    {
        var payload = string.Concat(_origin, ".", Interlocked.Increment(ref _sequence).ToString(CultureInfo.InvariantCulture), "\n", type, "\n",
            ((int)options.Value.FanOutPresenceInterval.TotalSeconds).ToString(CultureInfo.InvariantCulture));
        await using var command = new NpgsqlCommand("SELECT pg_notify(@channel, @payload);", connection);
        command.Parameters.AddWithValue("channel", options.Value.FanOutChannel);
        command.Parameters.AddWithValue("payload", payload);
        await command.ExecuteNonQueryAsync(ct);
    }

    private async Task AnnounceAsync(string type, CancellationToken ct)
    {
        if (_source is not { } source)
        {
            return;
        }

        try
        {
            await using var connection = await source.OpenConnectionAsync(ct);
            await AnnounceAsync(connection, type, ct);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or ObjectDisposedException && !ct.IsCancellationRequested)
        {
            LogSendFailed(logger, ex.Message);
        }
    }

    private async Task PresenceLoopAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(options.Value.FanOutPresenceInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                await AnnounceAsync(Here, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    [LoggerMessage(EventId = 16010, Level = LogLevel.Information, Message = "Live fan-out: another instance listens on PostgreSQL channel {Channel}; this instance's events are sent to it")]
    private static partial void LogPeerHeard(ILogger logger, string channel);
}
