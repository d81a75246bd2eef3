using System.Runtime.InteropServices;
using OpenCvSharp;
using Vsa.Edge.Agent.Core.Detection;
using Vsa.Edge.Agent.Core.Rules;
using Vsa.Edge.Agent.Core.Tracking;

namespace Vsa.Edge.Agent.Pose;

/// <summary>
/// Decides, per frame, which person tracks get a MoveNet pass and hands the rules their <see cref="PoseEvidence"/>.
/// Candidates are confirmed person tracks that could be lying: a box at least <see cref="PoseOptions.CandidateAspect"/>
/// wide for its height (in pixels), or a box that lost <see cref="PoseOptions.DropFraction"/> of the tallest height it
/// had within <see cref="PoseOptions.DropWindow"/> (falling, sitting, bending). Each candidate is measured at most once
/// per <see cref="PoseOptions.MinInterval"/>, at most <see cref="PoseOptions.MaxCropsPerFrame"/> per frame (the least
/// recently measured first); between runs its last evidence is repeated while the box stays put, so the rule sees a
/// lying person on every frame. Upright walkers cost nothing. One instance per camera; allocates only for new tracks.
/// </summary>
public sealed class PersonPoseSampler
{
    private static readonly TimeSpan ForgetAfter = TimeSpan.FromSeconds(10);

    private PoseEstimator _estimator;
    private readonly PoseOptions _options;
    private readonly bool[] _personClasses;
    private readonly Dictionary<int, State> _states = [];
    private readonly List<PoseEvidence> _evidence = [];
    private readonly List<int> _stale = [];
    private int[] _candidates = new int[32];
    private DateTimeOffset _lastPrune;

    /// <param name="estimator">The pose pass (owned by the caller).</param>
    /// <param name="options">Candidate selection and rate limits.</param>
    /// <param name="personClasses">Class index → whether it is a person (the manifest's <c>person</c> category).</param>
    public PersonPoseSampler(PoseEstimator estimator, PoseOptions options, bool[] personClasses)
    {
        ArgumentNullException.ThrowIfNull(estimator);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(personClasses);
        (_estimator, _options, _personClasses) = (estimator, options, personClasses);
    }

    /// <summary>The estimator the next crops run on.</summary>
    public PoseEstimator Estimator => _estimator;

    /// <summary>
    /// Runs the next crops on <paramref name="estimator"/> (a pose model update, between two frames, on the thread that
    /// calls <see cref="Collect"/>); the tracks' state and last evidence are kept. Returns the previous estimator (the caller owns it).
    /// </summary>
    public PoseEstimator ReplaceEstimator(PoseEstimator estimator)
    {
        ArgumentNullException.ThrowIfNull(estimator);
        (var previous, _estimator) = (_estimator, estimator);
        return previous;
    }

    /// <summary>Pose runs since creation.</summary>
    public long Runs { get; private set; }

    /// <summary>
    /// Evidence for this frame's candidate tracks (the list is reused: read it before the next call). Runs the pose
    /// model on the candidates that are due.
    /// </summary>
    public IReadOnlyList<PoseEvidence> Collect(Mat frame, IReadOnlyList<Track> tracks, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(frame);
        ArgumentNullException.ThrowIfNull(tracks);
        _evidence.Clear();
        var aspectScale = frame.Rows > 0 ? frame.Cols / (double)frame.Rows : 1;
        var due = 0;
        for (var i = 0; i < tracks.Count; i++)
        {
            var track = tracks[i];
            if (track.State != TrackState.Confirmed || (uint)track.ClassId >= (uint)_personClasses.Length || !_personClasses[track.ClassId])
            {
                continue;
            }

            ref var s = ref CollectionsMarshal.GetValueRefOrAddDefault(_states, track.Id, out var existed);
            var box = track.Box;
            if (!existed || now - s.TallestAt > _options.DropWindow || box.Height >= s.Tallest)
            {
                (s.Tallest, s.TallestAt) = (box.Height, now);
            }

            s.LastSeen = now;
            var wide = box.Height > 0 && box.Width / box.Height * aspectScale >= _options.CandidateAspect;
            var dropped = box.Height <= (1 - _options.DropFraction) * s.Tallest;
            if (!wide && !dropped)
            {
                continue;
            }

            if (s.MeasuredAt is { } at && now - at < _options.MinInterval)
            {
                Repeat(ref s, box, now);
                continue;
            }

            if (due == _candidates.Length)
            {
                Array.Resize(ref _candidates, due * 2);
            }

            _candidates[due++] = i;
        }

        Measure(frame, tracks, due, now);
        Prune(now);
        return _evidence;
    }

    // The least recently measured due candidates get the pose pass; the others repeat their last evidence.
    private void Measure(Mat frame, IReadOnlyList<Track> tracks, int due, DateTimeOffset now)
    {
        for (var run = 0; run < due; run++)
        {
            var best = -1;
            var bestAt = DateTimeOffset.MaxValue;
            for (var c = 0; c < due; c++)
            {
                if (_candidates[c] < 0)
                {
                    continue;
                }

                var at = _states[tracks[_candidates[c]].Id].MeasuredAt ?? DateTimeOffset.MinValue;
                if (at < bestAt)
                {
                    (best, bestAt) = (c, at);
                }
            }

            var track = tracks[_candidates[best]];
            _candidates[best] = -1;
            ref var s = ref CollectionsMarshal.GetValueRefOrNullRef(_states, track.Id);
            if (run >= _options.MaxCropsPerFrame)
            {
                Repeat(ref s, track.Box, now);
                continue;
            }

            var box = track.Box;
            s.Evidence = _estimator.Estimate(frame, box, track.Id);
            (s.MeasuredAt, s.MeasuredBox) = (now, box);
            Runs++;
            _evidence.Add(s.Evidence);
        }
    }

    private void Repeat(ref State s, in NormBox box, DateTimeOffset now)
    {
        if (s.MeasuredAt is { } at && now - at <= _options.EvidenceLifetime && s.MeasuredBox.IoU(box) >= 0.5f)
        {
            _evidence.Add(s.Evidence);
        }
    }

    private void Prune(DateTimeOffset now)
    {
        if (now - _lastPrune < ForgetAfter)
        {
            return;
        }

        _lastPrune = now;
        _stale.Clear();
        foreach (var (id, s) in _states)
        {
            if (now - s.LastSeen > ForgetAfter)
            {
                _stale.Add(id);
            }
        }

        foreach (var id in _stale)
        {
            _states.Remove(id);
        }
    }

    private struct State
    {
        public float Tallest;
        public DateTimeOffset TallestAt;
        public DateTimeOffset LastSeen;
        public DateTimeOffset? MeasuredAt;
        public NormBox MeasuredBox;
        public PoseEvidence Evidence;
    }
}
