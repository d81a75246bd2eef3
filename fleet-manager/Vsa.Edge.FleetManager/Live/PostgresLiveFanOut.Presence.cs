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
/// and says hello before it serves them.
/// </summary>
public sealed partial class PostgresLiveFanOut
{
    private const string Hello = "hello";
    private const string Here = "here";
    private readonly TaskCompletionSource _peerHeard = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _peerSeenAt;
    private long _skipped;
    private NpgsqlDataSource? _source;

    /// <summary>Completes once another instance was first heard on the channel.</summary>
    public Task PeerHeard => _peerHeard.Task;

    /// <summary>True while another instance was heard within three presence intervals: events are sent only then.</summary>
    public bool PeersPresent
    {
        get
        {
            var seen = Interlocked.Read(ref _peerSeenAt);
            return seen != 0 && time.GetUtcNow().UtcTicks - seen < 3 * options.Value.FanOutPresenceInterval.Ticks;
        }
    }

    /// <summary>Events not sent because no other instance was listening (the broker connection events are never sent).</summary>
    public long Skipped => Interlocked.Read(ref _skipped);

    /// <summary>Notes a notification of another instance; answers its hello. True when it was a presence message (not an event).</summary>
    private bool HeardPeer(string type)
    {
        Interlocked.Exchange(ref _peerSeenAt, time.GetUtcNow().UtcTicks);
        if (_peerHeard.TrySetResult())
        {
            LogPeerHeard(logger, options.Value.FanOutChannel);
        }

        if (type == Hello)
        {
            _ = AnnounceAsync(Here, CancellationToken.None);
        }

        return type is Hello or Here;
    }

    /// <summary>Drops what the queue holds while no other instance listens; true when it did.</summary>
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
        var payload = string.Concat(_origin, ".", Interlocked.Increment(ref _sequence).ToString(CultureInfo.InvariantCulture), "\n", type, "\n");
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
