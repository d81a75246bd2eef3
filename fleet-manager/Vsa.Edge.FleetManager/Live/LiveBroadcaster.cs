using System.Threading.Channels;
using Microsoft.Extensions.Options;

namespace Vsa.Edge.FleetManager.Live;

/// <summary>Kinds of live event, used as the SSE <c>event:</c> name.</summary>
public static class LiveEventTypes
{
    /// <summary>An alert was created or moved forward; data is an <c>AlertView</c>.</summary>
    public const string Alert = "alert";

    /// <summary>A device row changed; data is a <c>DeviceView</c>.</summary>
    public const string Device = "device";

    /// <summary>A device event changed a device's conditions (tamper, maintenance, cameras offline); data is a <c>DeviceConditions</c>.</summary>
    public const string DeviceConditions = "device-conditions";

    /// <summary>The ingestion connected or lost its broker; data is an <c>IngestionSnapshot</c>.</summary>
    public const string Ingestion = "ingestion";
}

/// <summary>One event for the live page, serialised once for all subscribers.</summary>
/// <param name="Type">One of <see cref="LiveEventTypes"/>.</param>
/// <param name="Json">The JSON data.</param>
public sealed record LiveEvent(string Type, string Json);

/// <summary>
/// Fans live events out to every connected browser. Each subscriber has its own bounded queue; publishing never waits, so a
/// slow or stuck browser costs only its own oldest events (counted in <see cref="Dropped"/>), never the ingestion's time.
/// </summary>
public sealed partial class LiveBroadcaster(IOptions<LiveOptions> options, ILogger<LiveBroadcaster> logger)
{
    private readonly Lock _gate = new();

    // Copied on change (rare: a browser opens or closes), read without a lock on every event.
    private Subscription[] _subscribers = [];
    private long _dropped;

    /// <summary>Events dropped for slow subscribers since start.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Connected subscribers (browsers, and the fan-out to the other instances whether or not one listens).</summary>
    public int SubscriberCount => Volatile.Read(ref _subscribers).Length;

    /// <summary>
    /// True when an event published now would reach someone: a browser, or the fan-out while another instance listens. Callers
    /// serialise an event only then: the fan-out is subscribed on every PostgreSQL fleet, so a fleet of one instance serialised
    /// and queued every alert of a burst for nobody (a fifth of its processor time).
    /// </summary>
    public bool HasListeners
    {
        get
        {
            foreach (var subscriber in Volatile.Read(ref _subscribers))
            {
                if (subscriber.Wanted)
                {
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>Adds a subscriber; dispose the result to leave.</summary>
    public Subscription Subscribe() => Subscribe(forPeers: false);

    /// <summary>
    /// Adds a subscriber. One <paramref name="forPeers"/> (the fan-out to the other instances, <see cref="PostgresLiveFanOut"/>)
    /// gets only this instance's own events, never those that came from a peer, so nothing goes round in circles; and only
    /// while <paramref name="wanted"/> says so (another instance listens): an event published meanwhile goes to
    /// <paramref name="skipped"/> instead of its queue.
    /// </summary>
    public Subscription Subscribe(bool forPeers, Func<bool>? wanted = null, Action<LiveEvent>? skipped = null)
    {
        var subscription = new Subscription(this, options.Value.SubscriberQueueCapacity, forPeers, wanted, skipped);
        lock (_gate)
        {
            _subscribers = [.. _subscribers, subscription];
        }

        return subscription;
    }

    /// <summary>Queues an event for every subscriber without waiting.</summary>
    public void Publish(LiveEvent liveEvent) => Publish(liveEvent, fromPeer: false);

    /// <summary>Queues an event another instance committed for this instance's browsers (not for the fan-out to peers).</summary>
    public void PublishFromPeer(LiveEvent liveEvent) => Publish(liveEvent, fromPeer: true);

    private void Publish(LiveEvent liveEvent, bool fromPeer)
    {
        foreach (var target in Volatile.Read(ref _subscribers))
        {
            if (fromPeer && target.ForPeers)
            {
                continue;
            }

            if (!target.Wanted)
            {
                target.Skip(liveEvent);
                continue;
            }

            // DropOldest: the write always succeeds and the channel reports the evicted event to OnDropped.
            target.Writer.TryWrite(liveEvent);
        }
    }

    private void Remove(Subscription subscription)
    {
        lock (_gate)
        {
            _subscribers = [.. _subscribers.Where(s => s != subscription)];
        }
    }

    private void OnDropped(LiveEvent dropped)
    {
        var total = Interlocked.Increment(ref _dropped);

        // Logged on powers of two so a browser left open on a stalled tab cannot flood the log.
        if ((total & (total - 1)) == 0)
        {
            LogDropped(logger, dropped.Type, total);
        }
    }

    [LoggerMessage(EventId = 12707, Level = LogLevel.Warning, Message = "A live-page subscriber is too slow: dropped a queued {Type} event ({Total} dropped since start)")]
    private static partial void LogDropped(ILogger logger, string type, long total);

    /// <summary>One subscriber's queue.</summary>
    public sealed class Subscription : IDisposable
    {
        private readonly LiveBroadcaster _owner;
        private readonly Channel<LiveEvent> _channel;
        private readonly Func<bool>? _wanted;
        private readonly Action<LiveEvent>? _skipped;

        internal Subscription(LiveBroadcaster owner, int capacity, bool forPeers, Func<bool>? wanted, Action<LiveEvent>? skipped)
        {
            _owner = owner;
            ForPeers = forPeers;
            _wanted = wanted;
            _skipped = skipped;
            _channel = Channel.CreateBounded<LiveEvent>(
                new BoundedChannelOptions(capacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true },
                owner.OnDropped);
        }

        /// <summary>Whether this is the fan-out to the other instances (it gets only this instance's own events).</summary>
        public bool ForPeers { get; }

        /// <summary>Whether events published now are queued for this subscriber (always, but for the fan-out while alone).</summary>
        public bool Wanted => _wanted is null || _wanted();

        /// <summary>The events queued for this subscriber, in publication order.</summary>
        public ChannelReader<LiveEvent> Reader => _channel.Reader;

        internal ChannelWriter<LiveEvent> Writer => _channel.Writer;

        internal void Skip(LiveEvent liveEvent) => _skipped?.Invoke(liveEvent);

        /// <summary>Leaves the broadcast and completes <see cref="Reader"/>.</summary>
        public void Dispose()
        {
            _owner.Remove(this);
            _channel.Writer.TryComplete();
        }
    }
}
