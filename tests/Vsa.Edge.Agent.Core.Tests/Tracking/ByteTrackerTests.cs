using Vsa.Edge.Agent.Core.Detection;
using Vsa.Edge.Agent.Core.Tracking;
using Det = Vsa.Edge.Agent.Core.Detection.Detection;

namespace Vsa.Edge.Agent.Core.Tests.Tracking;

public sealed class ByteTrackerTests
{
    [Fact]
    public void Update_NewObject_TentativeUntilMinHits()
    {
        var tracker = new ByteTracker(new TrackerOptions { MinHitsToConfirm = 3 });
        var ids = new int[1];
        Det[] frame = [new(new NormBox(0.4f, 0.4f, 0.1f, 0.2f), 0, 0.9f)];

        var t1 = tracker.Update(frame, TestData.At(0.0), ids);
        Assert.Equal(TrackState.Tentative, Assert.Single(t1).State);
        Assert.Equal(-1, ids[0]);

        var t2 = tracker.Update(frame, TestData.At(0.1), ids);
        Assert.Equal(TrackState.Tentative, Assert.Single(t2).State);
        Assert.Equal(-1, ids[0]);

        var t3 = tracker.Update(frame, TestData.At(0.2), ids);
        var track = Assert.Single(t3);
        Assert.Equal(TrackState.Confirmed, track.State);
        Assert.Equal(1, track.Id);
        Assert.Equal(track.Id, ids[0]);
        Assert.Equal(TestData.At(0.0), track.FirstSeen);
        Assert.Equal(TestData.At(0.2), track.LastSeen);
    }

    [Fact]
    public void Update_TentativeMissedOnce_IsDropped()
    {
        var tracker = new ByteTracker(new TrackerOptions());
        var ids = new int[1];

        tracker.Update([new Det(new NormBox(0.4f, 0.4f, 0.1f, 0.2f), 0, 0.9f)], TestData.At(0), ids);
        var after = tracker.Update([], TestData.At(0.1), ids);

        Assert.Empty(after);
    }

    [Fact]
    public void Update_ShortOcclusion_KeepsTheSameId()
    {
        var tracker = new ByteTracker(new TrackerOptions());
        var ids = new int[1];
        var seen = new HashSet<int>();

        // 10 fps, walking right at 0.1 frame widths per second; hidden from 2.0 s to 2.5 s.
        for (var k = 0; k <= 50; k++)
        {
            var t = k * 0.1;
            var hidden = t is > 1.95 and < 2.55;
            Det[] frame = hidden ? [] : [new(new NormBox((float)(0.1 + (0.1 * t)), 0.5f, 0.06f, 0.2f), 0, 0.85f)];
            tracker.Update(frame, TestData.At(t), ids);
            if (!hidden && k > 0)
            {
                seen.Add(ids[0]);
            }
        }

        Assert.Equal([1], seen);
    }

    [Fact]
    public void Update_TwoTracksCrossing_NoIdSwap()
    {
        var tracker = new ByteTracker(new TrackerOptions());
        var ids = new int[2];
        int? leftToRight = null, rightToLeft = null;

        // Same size, opposite directions, 0.01 apart vertically: the boxes overlap heavily around t = 2 s.
        for (var k = 0; k <= 40; k++)
        {
            var t = k * 0.1;
            Det a = new(new NormBox((float)(0.1 + (0.2 * t)), 0.40f, 0.08f, 0.25f), 0, 0.9f);
            Det b = new(new NormBox((float)(0.9 - (0.2 * t)), 0.41f, 0.08f, 0.25f), 0, 0.9f);
            Det[] frame = k % 2 == 0 ? [a, b] : [b, a]; // detector order must not matter
            tracker.Update(frame, TestData.At(t), ids);
            if (k == 0)
            {
                continue;
            }

            var (idA, idB) = k % 2 == 0 ? (ids[0], ids[1]) : (ids[1], ids[0]);
            leftToRight ??= idA;
            rightToLeft ??= idB;
            Assert.Equal(leftToRight, idA);
            Assert.Equal(rightToLeft, idB);
        }

        Assert.NotEqual(leftToRight, rightToLeft);
        Assert.Equal(2, tracker.Tracks.Count);
    }

    [Theory]
    [InlineData(0.1, true)] // ten missing frames = 1.0 s < 1.5 s: still the same track
    [InlineData(0.2, false)] // the same ten frames = 2.0 s > 1.5 s: the track was removed, a new id starts
    public void Update_LostTrack_RemovedAfterMaxLostDurationInTime(double frameInterval, bool sameId)
    {
        var tracker = new ByteTracker(new TrackerOptions { MaxLostDuration = TimeSpan.FromSeconds(1.5) });
        var ids = new int[1];
        Det[] visible = [new(new NormBox(0.3f, 0.3f, 0.1f, 0.2f), 0, 0.9f)];
        var k = 0;
        for (; k < 10; k++)
        {
            tracker.Update(visible, TestData.At(k * frameInterval), ids);
        }

        var firstId = ids[0];
        for (; k < 20; k++)
        {
            tracker.Update([], TestData.At(k * frameInterval), ids);
        }

        tracker.Update(visible, TestData.At(k * frameInterval), ids);

        Assert.Equal(1, firstId);
        Assert.Equal(sameId, ids[0] == firstId);
        if (!sameId)
        {
            Assert.Equal(-1, ids[0]); // the new track is tentative
            Assert.Equal(2, Assert.Single(tracker.Tracks).Id); // ids are never reused
        }
    }

    [Fact]
    public void Update_DroppedFrames_PredictsWithTheRealTimeStep()
    {
        var tracker = new ByteTracker(new TrackerOptions());
        var ids = new int[1];

        // 0.3 widths/s with a 0.1-wide box, then a 0.5 s gap: it moves 0.15, more than its width, so neither the last
        // box nor a one-frame prediction (0.03) overlaps it; only a prediction over the real time step does.
        double[] times = [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 1.3];
        foreach (var t in times)
        {
            tracker.Update([new Det(new NormBox((float)(0.1 + (0.3 * t)), 0.5f, 0.1f, 0.25f), 0, 0.9f)], TestData.At(t), ids);
        }

        Assert.Equal(1, ids[0]);
        Assert.Single(tracker.Tracks);
    }

    [Fact]
    public void Update_SameBoxDifferentClass_DoesNotMatch()
    {
        var tracker = new ByteTracker(new TrackerOptions());
        var ids = new int[1];
        var box = new NormBox(0.3f, 0.3f, 0.1f, 0.2f);
        tracker.Update([new Det(box, TestData.Person, 0.9f)], TestData.At(0), ids);
        tracker.Update([new Det(box, TestData.Person, 0.9f)], TestData.At(0.1), ids);
        Assert.Equal(1, ids[0]);

        tracker.Update([new Det(box, TestData.Car, 0.9f)], TestData.At(0.2), ids);

        Assert.Equal(-1, ids[0]);
        var car = Assert.Single(tracker.Tracks);
        Assert.Equal(TestData.Car, car.ClassId);
        Assert.Equal(2, car.Id);
    }

    [Fact]
    public void Update_LowScoreDetection_ExtendsTrackButNeverStartsOne()
    {
        var tracker = new ByteTracker(new TrackerOptions());
        var ids = new int[2];
        var box = new NormBox(0.3f, 0.3f, 0.1f, 0.2f);
        tracker.Update([new Det(box, 0, 0.9f)], TestData.At(0), ids);
        tracker.Update([new Det(box, 0, 0.9f)], TestData.At(0.1), ids);

        // Partly occluded: score 0.3 (between low 0.1 and high 0.5); a second low box elsewhere.
        tracker.Update([new Det(box, 0, 0.3f), new Det(new NormBox(0.7f, 0.1f, 0.1f, 0.2f), 0, 0.3f)], TestData.At(0.2), ids);

        Assert.Equal([1, -1], ids);
        Assert.Single(tracker.Tracks);
        Assert.Equal(0.3f, tracker.Tracks[0].Score);
    }

    [Fact]
    public void Update_ScoreBelowNewTrackThreshold_StartsNoTrack()
    {
        var tracker = new ByteTracker(new TrackerOptions { NewTrackThreshold = 0.6f });
        var ids = new int[1];

        tracker.Update([new Det(new NormBox(0.3f, 0.3f, 0.1f, 0.2f), 0, 0.55f)], TestData.At(0), ids);

        Assert.Empty(tracker.Tracks);
    }

    [Fact]
    public void Update_IdSpanTooShort_Throws()
    {
        var tracker = new ByteTracker(new TrackerOptions());
        Det[] frame = [new(new NormBox(0.3f, 0.3f, 0.1f, 0.2f), 0, 0.9f), new(new NormBox(0.6f, 0.3f, 0.1f, 0.2f), 0, 0.9f)];

        Assert.Throws<ArgumentException>(() => tracker.Update(frame, TestData.At(0), new int[1]));
    }

    [Fact]
    public void Update_TwentyMovingObjectsSteadyState_AllocatesNothing()
    {
        const int objects = 20;
        var tracker = new ByteTracker(new TrackerOptions());
        var frame = new List<Det>(objects);
        var ids = new int[objects];
        for (var i = 0; i < objects; i++)
        {
            frame.Add(default);
        }

        void Step(int k)
        {
            var t = k * 0.04;
            for (var i = 0; i < objects; i++)
            {
                // A 5 × 4 grid of people and cars, each moving its own way; after warm-up one box in four scores low (second association).
                var x = 0.05 + ((i % 5) * 0.18) + (0.02 * Math.Sin(t + i));
                var y = 0.05 + ((i / 5) * 0.22) + (0.01 * t * ((i % 3) - 1));
                var score = k >= 10 && (k + i) % 4 == 0 ? 0.35f : 0.9f;
                frame[i] = new Det(new NormBox((float)x, (float)y, 0.06f, 0.15f), i % 3 == 0 ? TestData.Car : TestData.Person, score);
            }

            tracker.Update(frame, TestData.At(t), ids);
        }

        var k = 0;
        for (; k < 30; k++)
        {
            Step(k);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (; k < 130; k++)
        {
            Step(k);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.Equal(objects, tracker.Tracks.Count);
        Assert.Equal(Enumerable.Range(1, objects), ids.Order());
    }
}
