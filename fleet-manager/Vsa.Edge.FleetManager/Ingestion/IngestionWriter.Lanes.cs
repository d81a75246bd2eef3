using System.Data.Common;
using System.Runtime.ExceptionServices;
using System.Threading.Channels;
using Npgsql;

namespace Vsa.Edge.FleetManager.Ingestion;

/// <summary>
/// The writers of <see cref="IngestionWriter"/> (issue 17.1). With one writer a batch was decoded, stored and committed while
/// the next waited; on PostgreSQL the writer then spent most of each batch waiting for the server, and in the load
/// generator the fleet stored half as fast as Mosquitto delivered to a plain subscriber while one of the two cores had
/// nothing to do. Now the batcher decodes a batch (<see cref="IngestionPipeline.Prepare"/>) while the previous one is being
/// stored, and shares it out by device between <see cref="IngestionOptions.Writers"/> writers, each with its own connection
/// and transaction:
/// <list type="bullet">
/// <item>every message of one device goes to the same writer, which stores its parts in order: a device's alert updates,
/// heartbeats, statuses and last wills keep their order, and two writers never touch the same device's rows;</item>
/// <item>a batch is announced and acknowledged once all its parts committed, in arrival order (MQTT-4.6.0-2), whichever
/// writer finished first;</item>
/// <item>a part that fails is rolled back and its connections dropped (redelivered), as a whole batch was; a deadlock or
/// serialization failure between two writers (a device naming another device's alert) is retried first.</item>
/// </list>
/// </summary>
public sealed partial class IngestionWriter
{
    /// <summary>Attempts of one part's transaction when PostgreSQL reports a deadlock or a serialization failure.</summary>
    internal const int MaxAttempts = 3;

    private readonly Channel<Part>[] _lanes;
    private readonly Channel<Ticket> _tickets = Channel.CreateUnbounded<Ticket>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private long _retries;

    /// <summary>Writers storing at once (<see cref="IngestionOptions.Writers"/>, resolved for the storage engine).</summary>
    public int Writers => _lanes.Length;

    /// <summary>Transactions retried after a deadlock or a serialization failure between writers.</summary>
    public long Retries => Interlocked.Read(ref _retries);

    private static Channel<Part>[] CreateLanes(int writers)
    {
        var lanes = new Channel<Part>[writers];
        for (var i = 0; i < writers; i++)
        {
            // One part waiting per writer besides the one it stores: the batcher decodes the next batch meanwhile, and waits
            // (holding the rest in the bounded queues, then the broker) when the writers fall behind.
            lanes[i] = Channel.CreateBounded<Part>(new BoundedChannelOptions(1) { SingleReader = true, SingleWriter = true, FullMode = BoundedChannelFullMode.Wait });
        }

        return lanes;
    }

    private Task[] StartLanes() => _lanes.Select(lane => Task.Run(() => LaneLoopAsync(lane.Reader))).ToArray();

    private async Task StopLanesAsync(Task[] writing, Task acknowledging)
    {
        foreach (var lane in _lanes)
        {
            lane.Writer.TryComplete();
        }

        await Task.WhenAll(writing);
        _tickets.Writer.TryComplete();
        await acknowledging;
    }

    /// <summary>The writer a message goes to: by device, so that one writer keeps a device's messages in order.</summary>
    private int LaneOf(string topic) =>
        _lanes.Length == 1 || !TopicRoute.TryParse(topic, out var route) ? 0
            : (int)((uint)StringComparer.Ordinal.GetHashCode(route.DeviceId) % (uint)_lanes.Length);

    /// <summary>Splits a batch by writer, decodes each part and hands it over (waiting while that writer has one queued).</summary>
    private async Task DispatchAsync(List<InboundMessage> batch)
    {
        // Messages of a dropped connection are skipped, not acknowledged: they come back, in order, on the next connection.
        var open = batch.Where(m => m.Connection.IsOpen).ToList();
        if (open.Count == 0)
        {
            return;
        }

        var ticket = new Ticket(open);
        var positions = new List<int>?[_lanes.Length];
        for (var i = 0; i < open.Count; i++)
        {
            (positions[LaneOf(open[i].Topic)] ??= []).Add(i);
        }

        ticket.Parts = positions.Select((p, lane) => p is null ? null : new Part(ticket, lane, p)).OfType<Part>().ToArray();
        foreach (var part in ticket.Parts)
        {
            try
            {
                // Decoded here, before the transaction and while the writers store the previous parts.
                part.Prepared = _pipeline.Prepare(part.Messages);
            }
            catch (Exception ex)
            {
                // Whatever it was, the writer decides (a message's fault: one by one; anything else: the part fails, redelivered),
                // and the part still completes, so the acknowledgements behind it go on.
                part.PrepareFault = ex;
            }

            await _lanes[part.Lane].Writer.WriteAsync(part, CancellationToken.None);
        }

        // Announced once every part is with its writer (the batcher alone writes tickets, so they stay in arrival order).
        _tickets.Writer.TryWrite(ticket);
    }

    private async Task LaneLoopAsync(ChannelReader<Part> lane)
    {
        await foreach (var part in lane.ReadAllAsync())
        {
            try
            {
                await StorePartAsync(part);
            }
            catch (Exception ex)
            {
                // Whatever broke, nothing of the part is acknowledged: its connections are dropped and the broker redelivers.
                LogPartFailed(_logger, part.Messages.Count, ex);
                Fail(part.Messages, ex);
            }
            finally
            {
                part.Done.TrySetResult();
            }
        }
    }

    private async Task StorePartAsync(Part part)
    {
        var messages = part.Messages;
        var positions = part.Positions;
        var prepared = part.Prepared;
        if (messages.Any(m => !m.Connection.IsOpen))
        {
            // A connection dropped since the batch was decoded (an earlier part failed): its messages come back on the next one.
            var keep = Enumerable.Range(0, messages.Count).Where(i => messages[i].Connection.IsOpen).ToList();
            (messages, positions, prepared) = (keep.Select(i => messages[i]).ToList(), keep.Select(i => positions[i]).ToList(), null);
            if (messages.Count == 0)
            {
                return;
            }
        }

        IReadOnlyList<StoredMessage> stored;
        try
        {
            if (part.PrepareFault is { } fault)
            {
                ExceptionDispatchInfo.Throw(fault);
            }

            // Alerts go in multi-row statements (the profile's bottleneck was one statement preparation and round trip per
            // message, on the single writer).
            var batch = prepared ?? _pipeline.Prepare(messages);
            stored = await StoreWithRetryAsync(batch);
        }
        catch (DbException ex)
        {
            LogBatchFailed(_logger, messages.Count, ex);
            Fail(messages, ex);
            return;
        }
        catch (Exception ex) when (IsMessageFault(ex))
        {
            // Not the storage: one message broke its own processing. The part was rolled back; store its messages one by one
            // so the others are kept and the culprit is refused, instead of the exception stopping the ingestion (and the host).
            LogBatchIsolated(_logger, messages.Count, ex);
            (var committed, stored) = await WriteEachAsync(messages);
            messages = committed;
        }

        if (messages.Count == 0)
        {
            return;
        }

        Interlocked.Increment(ref _batches);
        Interlocked.Add(ref _messages, messages.Count);
        for (var k = 0; k < messages.Count; k++)
        {
            part.Ticket.Stored[positions[k]] = stored[k];
        }
    }

    private async Task<IReadOnlyList<StoredMessage>> StoreWithRetryAsync(PreparedBatch batch)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await _database.InTransactionAsync((connection, transaction) => _pipeline.StoreBatchAsync(connection, transaction, batch, CancellationToken.None), CancellationToken.None);
            }
            catch (PostgresException ex) when (attempt < MaxAttempts && ex.SqlState is PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure)
            {
                // Rolled back: nothing of it happened. Two writers waited on each other's rows; the other one went through.
                Interlocked.Increment(ref _retries);
                LogRetry(_logger, batch.Messages.Count, attempt, ex.SqlState);
            }
        }
    }

    private static void Fail(IEnumerable<InboundMessage> messages, Exception ex)
    {
        foreach (var connection in messages.Select(m => m.Connection).Distinct())
        {
            connection.StorageFailed(ex);
        }
    }

    private async Task AcknowledgeLoopAsync()
    {
        await foreach (var ticket in _tickets.Reader.ReadAllAsync())
        {
            foreach (var part in ticket.Parts)
            {
                await part.Done.Task;
            }

            // Announced (counted, logged, broadcast) then acknowledged in arrival order, only what committed. A failure to
            // announce one message (it is stored) must not stop the acknowledgements of every message behind it.
            var committed = new List<InboundMessage>(ticket.Messages.Count);
            for (var i = 0; i < ticket.Messages.Count; i++)
            {
                if (ticket.Stored[i] is { } stored)
                {
                    try
                    {
                        _pipeline.Announce(stored);
                    }
                    catch (Exception ex)
                    {
                        LogAnnounceFailed(_logger, WireJson.Printable(stored.Topic, DeadLetterStore.MaxTopicLength), ex);
                    }

                    committed.Add(ticket.Messages[i]);
                }
            }

            await AcknowledgeAsync(committed);
        }
    }

    [LoggerMessage(EventId = 16000, Level = LogLevel.Warning, Message = "A transaction of {Count} messages was rolled back by PostgreSQL (attempt {Attempt}, SQLSTATE {SqlState}: two writers waited on each other); storing it again")]
    private static partial void LogRetry(ILogger logger, int count, int attempt, string sqlState);

    [LoggerMessage(EventId = 16002, Level = LogLevel.Error, Message = "Announcing the stored message on {Topic} failed (it is stored and is acknowledged; the live page and counters missed it)")]
    private static partial void LogAnnounceFailed(ILogger logger, string topic, Exception exception);

    [LoggerMessage(EventId = 16001, Level = LogLevel.Error, Message = "A writer failed on a part of {Count} messages; none is acknowledged, they will be redelivered")]
    private static partial void LogPartFailed(ILogger logger, int count, Exception exception);

    /// <summary>One batch: what each message became once stored (null: not stored, not acknowledged), and its parts.</summary>
    private sealed class Ticket(List<InboundMessage> messages)
    {
        public List<InboundMessage> Messages { get; } = messages;

        public StoredMessage?[] Stored { get; } = new StoredMessage?[messages.Count];

        public Part[] Parts { get; set; } = [];
    }

    /// <summary>The messages of a batch one writer stores, with their positions in the batch.</summary>
    private sealed class Part(Ticket ticket, int lane, List<int> positions)
    {
        public Ticket Ticket { get; } = ticket;

        public int Lane { get; } = lane;

        public List<int> Positions { get; } = positions;

        public List<InboundMessage> Messages { get; } = positions.Select(i => ticket.Messages[i]).ToList();

        public PreparedBatch? Prepared { get; set; }

        public Exception? PrepareFault { get; set; }

        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
