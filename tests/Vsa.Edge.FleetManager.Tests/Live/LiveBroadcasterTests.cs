using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Vsa.Edge.FleetManager.Live;

namespace Vsa.Edge.FleetManager.Tests.Live;

public sealed class LiveBroadcasterTests
{
    [Fact]
    public void Publish_SlowSubscriber_KeepsNewestAndCountsDropped()
    {
        var broadcaster = Create(capacity: 2);
        using var slow = broadcaster.Subscribe();

        for (var i = 0; i < 5; i++)
        {
            broadcaster.Publish(new LiveEvent(LiveEventTypes.Alert, i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }

        Assert.Equal(3, broadcaster.Dropped);
        Assert.True(slow.Reader.TryRead(out var first));
        Assert.True(slow.Reader.TryRead(out var second));
        Assert.False(slow.Reader.TryRead(out _));
        Assert.Equal(["3", "4"], new[] { first!.Json, second!.Json });
    }

    [Fact]
    public void Publish_SlowSubscriber_DoesNotCostTheOthersAnything()
    {
        var broadcaster = Create(capacity: 1);
        using var slow = broadcaster.Subscribe();
        using var fast = broadcaster.Subscribe();
        var received = new List<string>();

        for (var i = 0; i < 3; i++)
        {
            broadcaster.Publish(new LiveEvent(LiveEventTypes.Alert, i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            Assert.True(fast.Reader.TryRead(out var e));
            received.Add(e!.Json);
        }

        Assert.Equal(["0", "1", "2"], received);
        Assert.Equal(2, broadcaster.Dropped);
    }

    [Fact]
    public void Dispose_Subscription_LeavesAndCompletesItsReader()
    {
        var broadcaster = Create(capacity: 4);
        var subscription = broadcaster.Subscribe();
        Assert.Equal(1, broadcaster.SubscriberCount);

        subscription.Dispose();
        broadcaster.Publish(new LiveEvent(LiveEventTypes.Alert, "{}"));

        Assert.Equal(0, broadcaster.SubscriberCount);
        Assert.True(subscription.Reader.Completion.IsCompleted);
        Assert.Equal(0, broadcaster.Dropped);
    }

    [Fact]
    public void HasListeners_FanOutAlone_FalseAndItsEventsSkipped_TrueOnceAPeerListensOrABrowserOpens()
    {
        var broadcaster = Create(capacity: 4);
        var peerListens = false;
        var skipped = new List<string>();
        using var fanOut = broadcaster.Subscribe(forPeers: true, wanted: () => peerListens, skipped: e => skipped.Add(e.Json));

        // Alone: nobody would take an event, so the ingestion does not serialise one; one published anyway is skipped.
        Assert.Equal(1, broadcaster.SubscriberCount);
        Assert.False(broadcaster.HasListeners);
        broadcaster.Publish(new LiveEvent(LiveEventTypes.Alert, "alone"));
        Assert.False(fanOut.Reader.TryRead(out _));
        Assert.Equal(["alone"], skipped);

        peerListens = true;
        Assert.True(broadcaster.HasListeners);
        broadcaster.Publish(new LiveEvent(LiveEventTypes.Alert, "heard"));
        Assert.True(fanOut.Reader.TryRead(out var heard));
        Assert.Equal("heard", heard!.Json);

        // A browser is a listener whatever the peers do; an event from a peer goes to it, not back to the fan-out.
        peerListens = false;
        using (var browser = broadcaster.Subscribe())
        {
            Assert.True(broadcaster.HasListeners);
            broadcaster.PublishFromPeer(new LiveEvent(LiveEventTypes.Alert, "from-peer"));
            Assert.True(browser.Reader.TryRead(out var fromPeer));
            Assert.Equal("from-peer", fromPeer!.Json);
            Assert.Equal(["alone"], skipped);
        }

        Assert.False(broadcaster.HasListeners);
    }

    private static LiveBroadcaster Create(int capacity) =>
        new(Options.Create(new LiveOptions { SubscriberQueueCapacity = capacity }), NullLogger<LiveBroadcaster>.Instance);
}
