using System.Threading.Channels;
using Microsoft.Extensions.Time.Testing;

namespace Vsa.Edge.Agent.Tests.Support;

/// <summary>
/// A <see cref="FakeTimeProvider"/> that also tells when a timer is created (Task.Delay creates one), so a test can
/// advance the clock exactly when code on another thread has started waiting — no real sleeps, no guessing.
/// </summary>
internal sealed class SteppedClock : TimeProvider
{
    private readonly Channel<TimeSpan> _created = Channel.CreateUnbounded<TimeSpan>();

    public SteppedClock(DateTimeOffset? start = null)
    {
        Fake = new FakeTimeProvider(start ?? new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero));
    }

    public FakeTimeProvider Fake { get; }

    public override long TimestampFrequency => Fake.TimestampFrequency;

    public override DateTimeOffset GetUtcNow() => Fake.GetUtcNow();

    public override long GetTimestamp() => Fake.GetTimestamp();

    public override TimeZoneInfo LocalTimeZone => Fake.LocalTimeZone;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = Fake.CreateTimer(callback, state, dueTime, period);
        _created.Writer.TryWrite(dueTime);
        return timer;
    }

    public void Advance(TimeSpan delta) => Fake.Advance(delta);

    /// <summary>Waits until a timer due in <paramref name="dueTime"/> is created (skipping others), then advances by it.</summary>
    public async Task AdvanceWhenWaitingAsync(TimeSpan dueTime, TimeSpan? guard = null)
    {
        using var cts = new CancellationTokenSource(guard ?? TimeSpan.FromSeconds(30));
        while (await _created.Reader.ReadAsync(cts.Token) != dueTime)
        {
        }

        Fake.Advance(dueTime);
    }
}
