using System.Data.Common;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using Vsa.Edge.FleetManager.Storage;

namespace Vsa.Edge.FleetManager.Ingestion;

/// <summary>The connection a message arrived on, as the writer needs to know it.</summary>
public interface IInboundConnection
{
    /// <summary>False once the connection was dropped or its storage failed: its unacknowledged messages will be redelivered.</summary>
    bool IsOpen { get; }

    /// <summary>A batch holding messages of this connection could not be stored; drop the connection so they are redelivered.</summary>
    void StorageFailed(Exception exception);
}

/// <summary>One received message waiting to be stored.</summary>
/// <param name="Topic">The MQTT topic.</param>
/// <param name="Payload">The payload (copied out of the client's buffers).</param>
/// <param name="ReceivedAt">When it was received (fleet clock).</param>
/// <param name="Connection">The connection it came on.</param>
/// <param name="AcknowledgeAsync">Sends its PUBACK; called only after the batch holding it committed.</param>
public sealed record InboundMessage(string Topic, ReadOnlyMemory<byte> Payload, DateTimeOffset ReceivedAt, IInboundConnection Connection, Func<CancellationToken, Task> AcknowledgeAsync);

/// <summary>
/// Stores received messages in batches: it takes up to <see cref="IngestionOptions.BatchSize"/> queued messages (waiting at
/// most <see cref="IngestionOptions.BatchWindow"/> for more), decodes them, shares them out by device between its writers
/// (<see cref="IngestionOptions.Writers"/>, IngestionWriter.Lanes.cs), each of which stores its part in one transaction, and
/// only once every part committed announces them and acknowledges each to the broker, in arrival order. A failed part is
/// rolled back and none of its messages is acknowledged: the connection is dropped, and the broker redelivers them
/// (at-least-once; the message id makes the redelivery harmless). Registered before the MQTT client, so it starts first and
/// stops last.
/// </summary>
public sealed partial class IngestionWriter : BackgroundService
{
    private readonly Channel<InboundMessage> _queue;

    // Alerts of the embedded broker (StoreAsync) skip the queue of heartbeats and statuses (helper "held", issue 17.2): each
    // batch takes the waiting alerts first. 10,000 devices send ~1,300 heartbeats a second; an alert queued behind thousands
    // of them waited for all of them. Each device waits for its own PUBACK, so a device's messages keep their order.
    private readonly Channel<InboundMessage> _alerts;
    private readonly FleetDatabase _database;
    private readonly IngestionPipeline _pipeline;
    private readonly IngestionOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<IngestionWriter> _logger;
    private long _batches;
    private long _messages;

    /// <summary>Creates the writer, its bounded queue and its writers.</summary>
    public IngestionWriter(FleetDatabase database, IngestionPipeline pipeline, IOptions<IngestionOptions> options, TimeProvider timeProvider, ILogger<IngestionWriter> logger)
    {
        _database = database;
        _pipeline = pipeline;
        _options = options.Value;
        _timeProvider = timeProvider;
        _logger = logger;
        _queue = Channel.CreateBounded<InboundMessage>(new BoundedChannelOptions(_options.QueueCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
        });
        _alerts = Channel.CreateBounded<InboundMessage>(new BoundedChannelOptions(_options.QueueCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
        });
        if (_options.Writers > 1 && database.Dialect is not PostgresDialect)
        {
            throw new OptionsValidationException(IngestionOptions.SectionName, typeof(IngestionOptions),
                [$"{IngestionOptions.SectionName}:Writers={_options.Writers} needs PostgreSQL: SQLite lets one transaction write at a time (leave it 0 or set 1)."]);
        }

        _lanes = CreateLanes(_options.Writers > 0 ? _options.Writers : database.Dialect is PostgresDialect ? 2 : 1);
    }

    /// <summary>Transactions committed since start.</summary>
    public long Batches => Interlocked.Read(ref _batches);

    /// <summary>Messages waiting to be stored.</summary>
    public int Queued => _queue.Reader.Count + _alerts.Reader.Count;

    /// <summary>Queues a message; waits while the queue is full (back-pressure on the MQTT client).</summary>
    /// <remarks>
    /// One queue for every kind: the messages of the ingestion's one connection are acknowledged in the order they arrived
    /// (MQTT 5 §4.6, MQTT-4.6.0-2), so an alert cannot overtake the heartbeats received before it on that connection.
    /// </remarks>
    public ValueTask EnqueueAsync(InboundMessage message, CancellationToken cancellationToken) => _queue.Writer.WriteAsync(message, cancellationToken);

    /// <summary>
    /// Queues one message and completes once the batch holding it committed: the embedded broker awaits this before it
    /// answers the device's PUBACK. Throws <see cref="IngestionNotStoredException"/> when that batch failed or the writer
    /// stopped first (nothing of it is acknowledged), or <see cref="OperationCanceledException"/> when
    /// <paramref name="cancellationToken"/> (the device's connection) ends first: the message may still be stored then, and
    /// its redelivery is counted as a duplicate.
    /// </summary>
    public async Task StoreAsync(string topic, ReadOnlyMemory<byte> payload, DateTimeOffset receivedAt, CancellationToken cancellationToken)
    {
        var commit = new CommitSignal();
        try
        {
            await QueueOf(topic).Writer.WriteAsync(new InboundMessage(topic, payload, receivedAt, commit, commit.AcknowledgeAsync), cancellationToken);
        }
        catch (ChannelClosedException ex)
        {
            throw new IngestionNotStoredException("the ingestion is stopping", ex);
        }

        await commit.Task.WaitAsync(cancellationToken);
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Acknowledgements go out from their own loop, in arrival order, while the next batches are being written; each
        // writer stores its parts on its own connection.
        var acknowledging = AcknowledgeLoopAsync();
        var writing = StartLanes();
        List<InboundMessage>? inHand = null;
        try
        {
            while (await WaitToReadAsync(stoppingToken))
            {
                inHand = new List<InboundMessage>(_options.BatchSize);
                await FillAsync(inHand, stoppingToken);

                // The batch in hand is handed over even while stopping: its messages are not acknowledged yet, so whatever
                // happens they are either stored or redelivered.
                var batch = inHand;
                inHand = null;
                await DispatchAsync(batch);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Messages still queued were never acknowledged: the broker keeps them in the session.
        }
        finally
        {
            // A batch being gathered when the stop came (a batch window) and whatever is still queued are neither stored nor
            // acknowledged: whoever waits for their commit (the embedded broker, before a PUBACK) hears now that none will come.
            var left = new List<InboundMessage>(inHand ?? []);
            _queue.Writer.TryComplete();
            _alerts.Writer.TryComplete();
            while (_alerts.Reader.TryRead(out var queued) || _queue.Reader.TryRead(out queued))
            {
                left.Add(queued);
            }

            Fail(left, new IngestionNotStoredException("the ingestion stopped before storing it"));

            // The parts handed over are stored (or failed) before the writers stop, then announced and acknowledged.
            await StopLanesAsync(writing, acknowledging);
            var messages = Interlocked.Read(ref _messages);
            LogWriterStopped(_logger, messages, Batches);
        }
    }

    private async Task FillAsync(List<InboundMessage> batch, CancellationToken stoppingToken)
    {
        Drain(batch);
        if (batch.Count >= _options.BatchSize || _options.BatchWindow <= TimeSpan.Zero)
        {
            return;
        }

        using var timer = new CancellationTokenSource(_options.BatchWindow, _timeProvider);
        using var window = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, timer.Token);
        try
        {
            while (batch.Count < _options.BatchSize && await WaitToReadAsync(window.Token))
            {
                Drain(batch);
            }
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
            // The window closed: commit what we have.
        }
    }

    private void Drain(List<InboundMessage> batch)
    {
        // Alerts first, but at most half a batch while other messages wait: devices that keep alerting must not hold back the
        // heartbeats, statuses and last wills of the others (each of those devices waits for its PUBACK).
        var alertShare = Math.Max(1, _options.BatchSize / 2);
        var alerts = 0;
        while (batch.Count < _options.BatchSize)
        {
            var alertTurn = alerts < alertShare || !_queue.Reader.TryPeek(out _);
            if (alertTurn && _alerts.Reader.TryRead(out var message))
            {
                alerts++;
            }
            else if (!_queue.Reader.TryRead(out message) && !_alerts.Reader.TryRead(out message))
            {
                break;
            }

            batch.Add(message);
        }
    }

    private Channel<InboundMessage> QueueOf(string topic) =>
        TopicRoute.TryParse(topic, out var route) && route.Kind == MessageKind.Alert ? _alerts : _queue;

    /// <summary>True once either queue holds a message; false once both are completed and empty.</summary>
    private async ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            if (_alerts.Reader.TryPeek(out _) || _queue.Reader.TryPeek(out _))
            {
                return true;
            }

            var open = new[] { _alerts.Reader, _queue.Reader }.Where(r => !r.Completion.IsCompleted).ToList();
            if (open.Count == 0)
            {
                return false;
            }

            // Whichever queue is written first; the other wait is then cancelled.
            using var either = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            await Task.WhenAny(open.Select(r => r.WaitToReadAsync(either.Token).AsTask()));
            await either.CancelAsync();
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    /// <summary>An exception that one message's processing can throw, as opposed to the storage's or the shutdown's.</summary>
    private static bool IsMessageFault(Exception ex) => ex is not (DbException or OperationCanceledException or OutOfMemoryException);

    /// <summary>
    /// Stores each message in its own transaction; one that throws again is refused (<see cref="RejectReason.ProcessingFailed"/>)
    /// and dead-lettered. Stops at a storage failure: what is stored is kept (and acknowledged), the rest is redelivered.
    /// </summary>
    private async Task<(List<InboundMessage> Committed, IReadOnlyList<StoredMessage> Stored)> WriteEachAsync(List<InboundMessage> messages)
    {
        var committed = new List<InboundMessage>(messages.Count);
        var stored = new List<StoredMessage>(messages.Count);
        foreach (var message in messages)
        {
            try
            {
                StoredMessage one;
                try
                {
                    one = await _database.InTransactionAsync((c, t) => _pipeline.StoreAsync(c, t, message.Topic, message.Payload, message.ReceivedAt, CancellationToken.None), CancellationToken.None);
                }
                catch (Exception ex) when (IsMessageFault(ex))
                {
                    LogMessageFailed(_logger, WireJson.Printable(message.Topic, DeadLetterStore.MaxTopicLength), ex);
                    one = await _database.InTransactionAsync((c, t) => _pipeline.RefuseAsync(c, t, message.Topic, message.Payload, message.ReceivedAt, ex, CancellationToken.None), CancellationToken.None);
                }

                committed.Add(message);
                stored.Add(one);
            }
            catch (DbException ex)
            {
                LogBatchFailed(_logger, messages.Count - committed.Count, ex);
                Fail(messages.Skip(committed.Count), ex);

                break;
            }
        }

        return (committed, stored);
    }

    private async Task AcknowledgeAsync(List<InboundMessage> committed)
    {
        // All the PUBACKs of a batch are handed to the client at once, in arrival order (its send queue keeps that order),
        // and awaited together: one after the other, each waited for a thread-pool turn, and on a busy machine the
        // acknowledgements, not the database, set the pace of the whole ingestion.
        var sending = new Task[committed.Count];
        for (var i = 0; i < committed.Count; i++)
        {
            sending[i] = AcknowledgeOneAsync(committed[i]);
        }

        await Task.WhenAll(sending);
    }

    private async Task AcknowledgeOneAsync(InboundMessage message)
    {
        try
        {
            await message.AcknowledgeAsync(CancellationToken.None);
        }
        catch (Exception ex)
        {
            // Stored but not acknowledged: the broker will redeliver it and the message id will mark it a duplicate.
            LogAckFailed(_logger, message.Topic, ex.Message);
        }
    }

    [LoggerMessage(EventId = 11300, Level = LogLevel.Information, Message = "Ingestion writer stopped: {Messages} messages stored in {Batches} transactions")]
    private static partial void LogWriterStopped(ILogger logger, long messages, long batches);

    [LoggerMessage(EventId = 3201, Level = LogLevel.Error, Message = "Could not store a batch of {Count} messages; none is acknowledged, they will be redelivered")]
    private static partial void LogBatchFailed(ILogger logger, int count, Exception exception);

    [LoggerMessage(EventId = 3210, Level = LogLevel.Error, Message = "A batch of {Count} messages failed outside the storage; storing them one by one to refuse the one at fault")]
    private static partial void LogBatchIsolated(ILogger logger, int count, Exception exception);

    [LoggerMessage(EventId = 3211, Level = LogLevel.Error, Message = "The message on {Topic} failed outside the storage; refused as processing_failed and kept in the dead letters")]
    private static partial void LogMessageFailed(ILogger logger, string topic, Exception exception);

    [LoggerMessage(EventId = 3202, Level = LogLevel.Debug, Message = "Stored message on {Topic} could not be acknowledged ({Error}); its redelivery will count as a duplicate")]
    private static partial void LogAckFailed(ILogger logger, string topic, string error);
}

/// <summary>A message handed to <see cref="IngestionWriter.StoreAsync"/> was not stored; nothing of it was acknowledged.</summary>
public sealed class IngestionNotStoredException : Exception
{
    /// <summary>Creates the exception.</summary>
    public IngestionNotStoredException()
    {
    }

    /// <summary>Creates the exception saying why.</summary>
    public IngestionNotStoredException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with the storage failure.</summary>
    public IngestionNotStoredException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// The "connection" of one message given to <see cref="IngestionWriter.StoreAsync"/>: always open (the broker, not the writer,
/// knows when the device left), completed when its batch committed, failed when it did not.
/// </summary>
internal sealed class CommitSignal : IInboundConnection
{
    private readonly TaskCompletionSource _committed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes on commit; faults with <see cref="IngestionNotStoredException"/> otherwise.</summary>
    public Task Task => _committed.Task;

    /// <inheritdoc />
    public bool IsOpen => true;

    /// <inheritdoc />
    public void StorageFailed(Exception exception) =>
        _committed.TrySetException(exception as IngestionNotStoredException ?? new IngestionNotStoredException("the batch holding it was not stored: " + exception.Message, exception));

    /// <summary>The writer's acknowledgement, after the commit.</summary>
    public Task AcknowledgeAsync(CancellationToken cancellationToken)
    {
        _committed.TrySetResult();
        return Task.CompletedTask;
    }
}
