using System.Runtime.InteropServices;
using Vsa.Edge.Agent.Core.Detection;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Core.Rules;

/// <summary>
/// Weapon (and fire or smoke when the model has such classes), for one zone (or the frame): a track of the event's
/// classes whose median score over its last <c>scoreSamples</c> frames is at least <c>minScore</c>, continuously for
/// the minimum duration. The median (as Frigate does) ignores the odd high-scoring frame that a single reflection or
/// a kitchen knife on a table gives; the duration ignores a detection that lives for a few frames.
/// </summary>
internal sealed class ScoredDetectionRule : Rule
{
    private readonly double _minScore;
    private readonly int _samples;
    private readonly float[] _scratch;
    private readonly Dictionary<int, State> _states = [];

    public ScoredDetectionRule(RuleSettings settings)
        : base(settings)
    {
        _minScore = settings["minScore"];
        _samples = settings.Parameters.TryGetValue("scoreSamples", out var n) ? (int)n : 10;
        _scratch = new float[_samples];
    }

    public override void Evaluate(RuleFrame frame, List<AlertMessage> output)
    {
        var now = frame.Now;
        var tracks = frame.Tracks;
        for (var i = 0; i < tracks.Count; i++)
        {
            var track = tracks[i];
            if (!Applies(track) || !InZone(track.Box))
            {
                continue;
            }

            ref var s = ref CollectionsMarshal.GetValueRefOrAddDefault(_states, track.Id, out var exists);
            if (!exists)
            {
                s.Scores = new float[_samples];
            }

            s.Scores[s.Next % _samples] = track.Score;
            s.Next++;
            (s.LastSeen, s.Box, s.ClassId) = (now, track.Box, track.ClassId);
            s.Median = Median(s.Scores, Math.Min(s.Next, _samples));
            var state = s.Condition.Step(s.Median >= _minScore, now, Settings.ExitGrace);
            if (state == HeldState.Holding && now - s.Condition.Since >= Settings.MinDuration && MayStart(track.Id, now))
            {
                output.Add(Lifecycle.Start(track.Id, s.Condition.Since, now, s.Median, Score(s.Median), Objects(track.Id, track.ClassId, s.Median, track.Box)));
            }
            else if (state == HeldState.Cleared && Lifecycle.IsOpen(track.Id))
            {
                output.Add(Lifecycle.End(track.Id, s.Condition.ClearedAt, now, s.Median, Score(s.Median), Objects(track.Id, track.ClassId, s.Median, track.Box)));
            }
        }

        foreach (var (trackId, s) in _states)
        {
            if (s.LastSeen != now && now - s.LastSeen >= Settings.ExitGrace)
            {
                if (Lifecycle.IsOpen(trackId))
                {
                    output.Add(Lifecycle.End(trackId, s.LastSeen, now, s.Median, Score(s.Median), Objects(trackId, s.ClassId, s.Median, s.Box)));
                }

                _states.Remove(trackId);
            }
        }

        Lifecycle.Prune(now);
    }

    public override void Flush(DateTimeOffset now, List<AlertMessage> output)
    {
        foreach (var (trackId, s) in _states)
        {
            if (Lifecycle.IsOpen(trackId))
            {
                output.Add(Lifecycle.End(trackId, now, now, s.Median, Score(s.Median), Objects(trackId, s.ClassId, s.Median, s.Box)));
            }
        }

        _states.Clear();
    }

    private static Measurement Score(float median) => new("median_score", Math.Round(median, 4), "score");

    private float Median(float[] scores, int count)
    {
        var span = _scratch.AsSpan(0, count);
        scores.AsSpan(0, count).CopyTo(span);
        span.Sort();
        return count % 2 == 1 ? span[count / 2] : (span[(count / 2) - 1] + span[count / 2]) / 2;
    }

    private struct State
    {
        public float[] Scores;
        public int Next;
        public float Median;
        public HeldCondition Condition;
        public DateTimeOffset LastSeen;
        public NormBox Box;
        public int ClassId;
    }
}
