using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Npgsql;
using Vsa.Edge.FleetManager.Alerts;
using Vsa.Edge.FleetManager.Api;
using Vsa.Edge.FleetManager.Storage;

namespace Vsa.Edge.FleetManager.Live;

/// <summary>
/// Fans the live events this instance committed out to every other instance of the fleet, through PostgreSQL
/// <c>LISTEN/NOTIFY</c>: with a shared subscription each alert is stored by one instance only, and a decision is recorded by
/// the instance the operator uses, yet every operator must see both live. It reads this instance's own events as one more
/// subscriber of the <see cref="LiveBroadcaster"/> (which is fed only after commit), sends each with <c>pg_notify</c>
/// (payload <c>origin \n type \n json</c>), and publishes what the peers send to the local browsers only. An alert too large
/// for a notification (8,000 bytes) travels as its id and is read back from the database by the receivers. The broker
/// connection events (<see cref="LiveEventTypes.Ingestion"/>) are each instance's own and are not sent.
/// </summary>
public sealed partial class PostgresLiveFanOut(
    LiveBroadcaster broadcaster,
    AlertStore alerts,
    IOptions<LiveOptions> options,
    IOptions<StorageOptions> storage,
    TimeProvider time,
    ILogger<PostgresLiveFanOut> logger) : BackgroundService
{
    /// <summary>The largest payload PostgreSQL accepts in a notification, less one byte.</summary>
    public const int MaxPayloadBytes = 7999;

    /// <summary>
    /// Notifications per statement at most, sent in their order (one transaction delivers its notifications in the order
    /// they were made; PostgreSQL folds identical ones of one transaction into one).
    /// </summary>
    internal const int MaxNotificationsPerStatement = 256;

    private const string AlertReference = "alert-ref";
    private const string NotifySql = "SELECT pg_notify(@channel, p) FROM unnest(@payloads) WITH ORDINALITY AS t (p, n) ORDER BY n;";
    private readonly string _origin = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
    private long _sent;
    private long _statements;
    private long _sequence;
    private long _received;
    private TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Whether the fan-out runs with these settings.</summary>
    public bool Enabled => options.Value.FanOut switch
    {
        LiveFanOut.PostgresNotify => true,
        LiveFanOut.Auto => storage.Value.Provider == StorageProvider.Postgres,
        _ => false,
    };

    /// <summary>Events sent to the peers since start.</summary>
    public long Sent => Interlocked.Read(ref _sent);

    /// <summary>Statements that sent them (each carries every event queued when it was made, up to <see cref="MaxNotificationsPerStatement"/>).</summary>
    public long Statements => Interlocked.Read(ref _statements);

    /// <summary>Events received from the peers since start.</summary>
    public long Received => Interlocked.Read(ref _received);

    /// <summary>Completes once this instance listens (the events peers send from then on reach its browsers).</summary>
    public Task Listening => _listening.Task;

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!Enabled)
        {
            return;
        }

        if (storage.Value.Provider != StorageProvider.Postgres || storage.Value.Postgres is null)
        {
            throw new InvalidOperationException($"{LiveOptions.SectionName}:FanOut=PostgresNotify needs {StorageOptions.SectionName}:Provider=Postgres.");
        }

        var builder = new NpgsqlConnectionStringBuilder(storage.Value.Postgres) { KeepAlive = 30 };
        await using var source = NpgsqlDataSource.Create(builder);
        _source = source;
        // Events are queued for the other instances only while one listens (the ingestion does not even serialise them alone).
        using var subscription = broadcaster.Subscribe(forPeers: true, wanted: () => PeersPresent, skipped: CountSkipped);
        await Task.WhenAll(
            Task.Run(() => ListenLoopAsync(source, stoppingToken), stoppingToken),
            Task.Run(() => SendLoopAsync(source, subscription, stoppingToken), stoppingToken),
            Task.Run(() => PresenceLoopAsync(stoppingToken), stoppingToken));
    }

    private async Task SendLoopAsync(NpgsqlDataSource source, LiveBroadcaster.Subscription subscription, CancellationToken ct)
    {
        var channel = options.Value.FanOutChannel;
        var reader = subscription.Reader;
        var pending = new List<string>(MaxNotificationsPerStatement);
        while (pending.Count > 0 || await WaitAsync(reader, ct))
        {
            if (pending.Count == 0 && SkipWhileAlone(reader))
            {
                continue;
            }

            try
            {
                await using var connection = await source.OpenConnectionAsync(ct);
                await using var notify = new NpgsqlCommand(NotifySql, connection);
                notify.Parameters.AddWithValue("channel", channel);
                var payloads = notify.Parameters.Add(new NpgsqlParameter("payloads", NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text));
                while (Take(reader, pending) > 0)
                {
                    // What is queued goes in one statement, one round trip and one commit: a notification per alert, each its
                    // own statement and transaction, cost the fleet about as much processor time per alert as storing it,
                    // and fell behind a burst (the subscription then drops its oldest events).
                    payloads.Value = pending.ToArray();
                    await notify.ExecuteNonQueryAsync(ct);
                    Interlocked.Add(ref _sent, pending.Count);
                    Interlocked.Increment(ref _statements);
                    pending.Clear();
                }
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException && !ct.IsCancellationRequested)
            {
                // The events taken stay in hand (pending): they are sent once the database answers again, in their order.
                LogSendFailed(logger, ex.Message);
                await Task.Delay(TimeSpan.FromSeconds(1), time, ct);
            }
        }
    }

    /// <summary>Tops <paramref name="pending"/> up from the queue (events of other instances' kinds are skipped); its count.</summary>
    private int Take(System.Threading.Channels.ChannelReader<LiveEvent> reader, List<string> pending)
    {
        while (pending.Count < MaxNotificationsPerStatement && reader.TryRead(out var next))
        {
            if (next.Type != LiveEventTypes.Ingestion && Payload(next) is { } payload)
            {
                pending.Add(payload);
            }
        }

        return pending.Count;
    }

    private static async Task<bool> WaitAsync(System.Threading.Channels.ChannelReader<LiveEvent> reader, CancellationToken ct)
    {
        try
        {
            return await reader.WaitToReadAsync(ct);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private string? Payload(LiveEvent liveEvent)
    {
        // The origin carries a sequence number ("origin.n"): PostgreSQL delivers identical notifications of one transaction
        // once, and a statement sends up to 256 events in one transaction, so two identical events (a claim released twice
        // around someone else's claim) would reach the peers as one and leave a stale state on their screens.
        var origin = string.Concat(_origin, ".", Interlocked.Increment(ref _sequence).ToString(System.Globalization.CultureInfo.InvariantCulture));
        var payload = string.Concat(origin, "\n", liveEvent.Type, "\n", liveEvent.Json);
        if (Encoding.UTF8.GetByteCount(payload) <= MaxPayloadBytes)
        {
            return payload;
        }

        if (liveEvent.Type == LiveEventTypes.Alert && JsonSerializer.Deserialize(liveEvent.Json, FleetJsonContext.Default.AlertView) is { } view)
        {
            return string.Concat(origin, "\n", AlertReference, "\n", view.AlertId);
        }

        LogTooLarge(logger, liveEvent.Type, Encoding.UTF8.GetByteCount(payload));
        return null;
    }

    private async Task ListenLoopAsync(NpgsqlDataSource source, CancellationToken ct)
    {
        var channel = options.Value.FanOutChannel;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await using var connection = await source.OpenConnectionAsync(ct);
                connection.Notification += (_, e) => OnNotification(e.Payload);
                await using (var listen = new NpgsqlCommand($"LISTEN {channel};", connection))
                {
                    await listen.ExecuteNonQueryAsync(ct);
                }

                // Whoever else listens answers, so this instance knows at once whether to send its events.
                await AnnounceAsync(connection, Hello, ct);
                _listening.TrySetResult();
                LogListening(logger, channel, _origin);
                while (true)
                {
                    await connection.WaitAsync(ct);
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException or IOException)
            {
                // Events committed by peers while this instance was not listening are in the database, not on screen: a
                // browser's reconnection reloads the queue (the page reads /api/alerts when its stream reopens).
                if (_listening.Task.IsCompleted)
                {
                    _listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                }

                LogListenFailed(logger, ex.Message);
                await Task.Delay(TimeSpan.FromSeconds(1), time, ct);
            }
        }
    }

    // "origin.n" from this version on, "origin" alone from an instance not yet upgraded.
    private bool IsOwn(ReadOnlySpan<char> origin)
    {
        var dot = origin.IndexOf('.');
        return (dot < 0 ? origin : origin[..dot]).SequenceEqual(_origin);
    }

    private void OnNotification(string payload)
    {
        var first = payload.IndexOf('\n', StringComparison.Ordinal);
        var second = first < 0 ? -1 : payload.IndexOf('\n', first + 1);
        if (second < 0 || IsOwn(payload.AsSpan(0, first)))
        {
            return;
        }

        var type = payload[(first + 1)..second];
        var origin = payload.AsSpan(0, first);
        var dot = origin.IndexOf('.');
        if (HeardPeer((dot < 0 ? origin : origin[..dot]).ToString(), type, payload[(second + 1)..]))
        {
            return;
        }

        var body = payload[(second + 1)..];
        Interlocked.Increment(ref _received);
        if (type == AlertReference)
        {
            _ = ReadBackAsync(body);
            return;
        }

        broadcaster.PublishFromPeer(new LiveEvent(type, body));
    }

    private async Task ReadBackAsync(string alertId)
    {
        try
        {
            if (await alerts.FindAsync(alertId, CancellationToken.None) is { } view)
            {
                broadcaster.PublishFromPeer(new LiveEvent(LiveEventTypes.Alert, JsonSerializer.Serialize(view, FleetJsonContext.Default.AlertView)));
            }
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            LogListenFailed(logger, string.Create(CultureInfo.InvariantCulture, $"reading alert {alertId} back: {ex.Message}"));
        }
    }

    [LoggerMessage(EventId = 11701, Level = LogLevel.Information, Message = "Live fan-out: listening on PostgreSQL channel {Channel} as instance {Origin}")]
    private static partial void LogListening(ILogger logger, string channel, string origin);

    [LoggerMessage(EventId = 11702, Level = LogLevel.Warning, Message = "Live fan-out: sending to the other instances failed, retrying: {Error}")]
    private static partial void LogSendFailed(ILogger logger, string error);

    [LoggerMessage(EventId = 11703, Level = LogLevel.Warning, Message = "Live fan-out: listening failed, reconnecting: {Error}")]
    private static partial void LogListenFailed(ILogger logger, string error);

    [LoggerMessage(EventId = 11704, Level = LogLevel.Warning, Message = "Live fan-out: a {Type} event of {Bytes} bytes is too large for a notification; the other instances will not show it live")]
    private static partial void LogTooLarge(ILogger logger, string type, int bytes);
}
