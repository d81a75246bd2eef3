using Vsa.Edge.Agent.Core.Tracking;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Core.Rules;

/// <summary>
/// Crowd density, for one zone: persons per m² (zone area from the ground calibration) at or above <c>maxDensity</c>
/// for at least the minimum duration; uncalibrated cameras count persons against <c>maxCount</c> and say so in the
/// measurement's unit. One alert per zone (subject 0); an update follows when the measure rises by a quarter.
/// </summary>
internal sealed class CrowdDensityRule : Rule
{
    /// <summary>Relative rise of the measure that deserves an update message.</summary>
    private const double UpdateRise = 1.25;

    private static readonly TimeSpan UpdateInterval = TimeSpan.FromSeconds(5);

    private readonly double _area;
    private readonly double _threshold;
    private HeldCondition _condition;
    private double _value;
    private double _reported;
    private DateTimeOffset _reportedAt;

    private readonly TimeSpan _occlusionMemory;

    /// <param name="settings">The event on its zone.</param>
    /// <param name="occlusionMemory">How long a lost confirmed person still counts (<see cref="PersonCounting"/>).</param>
    public CrowdDensityRule(RuleSettings settings, TimeSpan occlusionMemory)
        : base(settings)
    {
        _occlusionMemory = occlusionMemory;
        var calibrated = settings.Ground.IsCalibrated;
        _area = settings.Ground.Area(settings.Zone!);
        _threshold = calibrated ? settings["maxDensity"] : settings["maxCount"];
    }

    /// <summary>Zone area: m² when calibrated, frame fraction otherwise.</summary>
    public double Area => _area;

    public override void Evaluate(RuleFrame frame, List<AlertMessage> output)
    {
        var now = frame.Now;
        var count = 0;
        var scoreSum = 0.0;
        var tracks = frame.Tracks;
        for (var i = 0; i < tracks.Count; i++)
        {
            if (Counts(tracks[i], now))
            {
                count++;
                scoreSum += tracks[i].Score;
            }
        }

        var value = Settings.Ground.IsCalibrated ? count / _area : count;
        var state = _condition.Step(value >= _threshold, now, Settings.ExitGrace);
        var confidence = count == 0 ? 0 : scoreSum / count;
        if (state == HeldState.Holding)
        {
            _value = value;
            if (now - _condition.Since >= Settings.MinDuration && MayStart(0, now))
            {
                output.Add(Lifecycle.Start(0, _condition.Since, now, confidence, Measure(value), Present(frame)));
                (_reported, _reportedAt) = (value, now);
            }
            else if (Lifecycle.IsOpen(0) && value >= _reported * UpdateRise && now - _reportedAt >= UpdateInterval)
            {
                output.Add(Lifecycle.Update(0, now, confidence, Measure(value), Present(frame)));
                (_reported, _reportedAt) = (value, now);
            }
        }
        else if (state == HeldState.Cleared && Lifecycle.IsOpen(0))
        {
            output.Add(Lifecycle.End(0, _condition.ClearedAt, now, confidence, Measure(value), Present(frame)));
        }

        Lifecycle.Prune(now);
    }

    public override void Flush(DateTimeOffset now, List<AlertMessage> output)
    {
        if (Lifecycle.IsOpen(0))
        {
            output.Add(Lifecycle.End(0, now, now, 0, Measure(_value), []));
        }

        _condition.Reset();
    }

    private Measurement Measure(double value) => Settings.Ground.IsCalibrated
        ? new Measurement("density", Math.Round(value, 3), "persons/m2")
        : new Measurement("count", value, "persons");

    // A person of the event's classes, confirmed or briefly lost, with their feet in the zone.
    private bool Counts(Track track, DateTimeOffset now) =>
        PersonCounting.IsPresent(track, now, _occlusionMemory)
        && (uint)track.ClassId < (uint)Settings.ClassMask.Length && Settings.ClassMask[track.ClassId]
        && InZone(track.Box);

    // The persons counted, for a message (allocates: only when one is built).
    private List<AlertObject> Present(RuleFrame frame)
    {
        var people = new List<AlertObject>();
        foreach (var track in frame.Tracks)
        {
            if (Counts(track, frame.Now))
            {
                people.Add(Object(Label(track.ClassId), track.Score, track.Box, track.Id));
            }
        }

        return people;
    }
}
