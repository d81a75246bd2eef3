namespace Vsa.Edge.Agent.Core.Tracking;

/// <summary>
/// ByteTrack-style multi-object tracker for one camera: Kalman prediction with time steps from frame timestamps, a
/// first class-aware IoU association of high-score detections with confirmed and lost tracks, a second one of
/// low-score detections with the confirmed tracks left, a third of the remaining high-score detections with tentative
/// tracks, new tracks from what is still unmatched, and lost tracks kept for <see cref="TrackerOptions.MaxLostDuration"/>.
/// </summary>
/// <remarks>
/// Not thread-safe: one instance per camera, updated by one pipeline stage. Once its buffers have grown to the scene,
/// an update allocates nothing: only a new track allocates (its <see cref="Track"/>).
/// </remarks>
public sealed class ByteTracker
{
    private const double Forbidden = LinearAssignment.Forbidden;

    private readonly float _high;
    private readonly float _low;
    private readonly float _newTrack;
    private readonly float _matchIou;
    private readonly float _lowMatchIou;
    private readonly float _tentativeMatchIou;
    private readonly int _minHits;
    private readonly TimeSpan _maxLost;
    private readonly List<Track> _tracks = [];
    private readonly List<Track> _alive = [];
    private readonly LinearAssignment _assignment = new();
    private int[] _rows = new int[32];
    private int[] _columns = new int[32];
    private int[] _rowMatch = new int[32];
    private int[] _highDetections = new int[32];
    private int[] _lowDetections = new int[32];
    private bool[] _detectionTaken = new bool[32];
    private double[] _cost = new double[1024];
    private int _nextId = 1;

    /// <summary>Creates a tracker; the options are read once.</summary>
    public ByteTracker(TrackerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.LowScoreThreshold > options.HighScoreThreshold)
        {
            throw new ArgumentException($"LowScoreThreshold ({options.LowScoreThreshold}) must not exceed HighScoreThreshold ({options.HighScoreThreshold}).", nameof(options));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(options.MinHitsToConfirm, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxLostDuration, TimeSpan.Zero, nameof(options));
        _high = options.HighScoreThreshold;
        _low = options.LowScoreThreshold;
        _newTrack = options.NewTrackThreshold;
        _matchIou = options.MatchIouThreshold;
        _lowMatchIou = options.LowMatchIouThreshold;
        _tentativeMatchIou = options.TentativeMatchIouThreshold;
        _minHits = options.MinHitsToConfirm;
        _maxLost = options.MaxLostDuration;
    }

    /// <summary>Confirmed and tentative tracks after the last update, oldest first (lost tracks are kept internally).</summary>
    public IReadOnlyList<Track> Tracks => _alive;

    /// <summary>
    /// Associates this frame's detections (after NMS) with the tracks.
    /// </summary>
    /// <param name="detections">This frame's detections.</param>
    /// <param name="timestamp">The frame's timestamp; the motion model and the lost-track timeout use it, never frame counts.</param>
    /// <param name="trackIdPerDetection">At least as long as <paramref name="detections"/>: receives for detection i the id of the confirmed track that owns it, or −1.</param>
    /// <returns><see cref="Tracks"/>: confirmed and tentative tracks, oldest first.</returns>
    public IReadOnlyList<Track> Update(IReadOnlyList<Detection.Detection> detections, DateTimeOffset timestamp, Span<int> trackIdPerDetection)
    {
        ArgumentNullException.ThrowIfNull(detections);
        var detectionCount = detections.Count;
        if (trackIdPerDetection.Length < detectionCount)
        {
            throw new ArgumentException($"Needs room for {detectionCount} ids, has {trackIdPerDetection.Length}.", nameof(trackIdPerDetection));
        }

        trackIdPerDetection[..detectionCount].Fill(-1);
        EnsureCapacity(detectionCount, _tracks.Count);
        Predict(timestamp);
        var (highCount, lowCount) = SplitByScore(detections);

        // 1. High-score detections with confirmed and lost tracks.
        var rowCount = SelectRows(TrackState.Confirmed, TrackState.Lost);
        Associate(detections, rowCount, _highDetections, highCount, _matchIou);

        // 2. Low-score detections (partly occluded, blurred) only extend confirmed tracks still unmatched — never lost ones.
        rowCount = SelectRows(TrackState.Confirmed, TrackState.Confirmed);
        Associate(detections, rowCount, _lowDetections, lowCount, _lowMatchIou);

        // 3. Remaining high-score detections with tentative tracks.
        rowCount = SelectRows(TrackState.Tentative, TrackState.Tentative);
        Associate(detections, rowCount, _highDetections, highCount, _tentativeMatchIou);

        ApplyMatches(detections, timestamp);
        CreateTracks(detections, highCount, timestamp);

        _alive.Clear();
        foreach (var track in _tracks)
        {
            if (track.State == TrackState.Lost)
            {
                continue;
            }

            _alive.Add(track);
            if (track.State == TrackState.Confirmed && track.MatchedDetection >= 0)
            {
                trackIdPerDetection[track.MatchedDetection] = track.Id;
            }
        }

        return _alive;
    }

    private void Predict(DateTimeOffset timestamp)
    {
        foreach (var track in _tracks)
        {
            var dt = (timestamp - track.PredictedAt).TotalSeconds;
            track.Filter.Predict(dt, freezeHeight: track.State == TrackState.Lost);
            if (dt > 0)
            {
                track.PredictedAt = timestamp;
            }

            track.PredictedBox = track.Filter.Box;
            track.MatchedDetection = -1;
        }
    }

    private (int High, int Low) SplitByScore(IReadOnlyList<Detection.Detection> detections)
    {
        int high = 0, low = 0;
        for (var i = 0; i < detections.Count; i++)
        {
            var score = detections[i].Score;
            _detectionTaken[i] = false;
            if (score >= _high)
            {
                _highDetections[high++] = i;
            }
            else if (score >= _low)
            {
                _lowDetections[low++] = i;
            }
        }

        return (high, low);
    }

    /// <summary>Puts the indices of unmatched tracks in one of two states into <c>_rows</c>.</summary>
    private int SelectRows(TrackState first, TrackState second)
    {
        var count = 0;
        for (var t = 0; t < _tracks.Count; t++)
        {
            var track = _tracks[t];
            if (track.MatchedDetection < 0 && (track.State == first || track.State == second))
            {
                _rows[count++] = t;
            }
        }

        return count;
    }

    private void Associate(IReadOnlyList<Detection.Detection> detections, int rowCount, int[] candidates, int candidateCount, float minIou)
    {
        var columnCount = 0;
        for (var k = 0; k < candidateCount; k++)
        {
            if (!_detectionTaken[candidates[k]])
            {
                _columns[columnCount++] = candidates[k];
            }
        }

        if (rowCount == 0 || columnCount == 0)
        {
            return;
        }

        var cost = _cost.AsSpan(0, rowCount * columnCount);
        for (var r = 0; r < rowCount; r++)
        {
            var track = _tracks[_rows[r]];
            var predicted = track.PredictedBox;
            for (var c = 0; c < columnCount; c++)
            {
                var detection = detections[_columns[c]];
                var iou = detection.ClassId == track.ClassId ? predicted.IoU(detection.Box) : 0f;
                cost[(r * columnCount) + c] = iou >= minIou && iou > 0f ? 1.0 - iou : Forbidden;
            }
        }

        _assignment.Solve(cost, rowCount, columnCount, _rowMatch);
        for (var r = 0; r < rowCount; r++)
        {
            var c = _rowMatch[r];
            if (c >= 0)
            {
                _tracks[_rows[r]].MatchedDetection = _columns[c];
                _detectionTaken[_columns[c]] = true;
            }
        }
    }

    private void ApplyMatches(IReadOnlyList<Detection.Detection> detections, DateTimeOffset timestamp)
    {
        var kept = 0;
        for (var t = 0; t < _tracks.Count; t++)
        {
            var track = _tracks[t];
            if (track.MatchedDetection >= 0)
            {
                var detection = detections[track.MatchedDetection];
                track.Filter.Update(detection.Box);
                track.Box = detection.Box;
                track.Score = detection.Score;
                track.LastSeen = timestamp;
                track.Hits++;
                if (track.State == TrackState.Lost || track.Hits >= _minHits)
                {
                    track.State = TrackState.Confirmed;
                }
            }
            else if (track.State == TrackState.Tentative)
            {
                continue; // a tentative track must be matched on consecutive frames, as in ByteTrack
            }
            else if (timestamp - track.LastSeen > _maxLost)
            {
                continue;
            }
            else
            {
                track.State = TrackState.Lost;
            }

            _tracks[kept++] = track;
        }

        _tracks.RemoveRange(kept, _tracks.Count - kept);
    }

    private void CreateTracks(IReadOnlyList<Detection.Detection> detections, int highCount, DateTimeOffset timestamp)
    {
        for (var k = 0; k < highCount; k++)
        {
            var index = _highDetections[k];
            var detection = detections[index];
            if (_detectionTaken[index] || detection.Score < _newTrack)
            {
                continue;
            }

            var track = new Track
            {
                Id = _nextId++,
                Box = detection.Box,
                ClassId = detection.ClassId,
                Score = detection.Score,
                State = _minHits <= 1 ? TrackState.Confirmed : TrackState.Tentative,
                FirstSeen = timestamp,
                LastSeen = timestamp,
                PredictedAt = timestamp,
                PredictedBox = detection.Box,
                Hits = 1,
                MatchedDetection = index,
            };
            track.Filter.Initiate(detection.Box);
            _tracks.Add(track);
        }
    }

    private void EnsureCapacity(int detections, int tracks)
    {
        var size = Math.Max(detections, tracks);
        if (_rows.Length < size)
        {
            var capacity = Math.Max(size, _rows.Length * 2);
            _rows = new int[capacity];
            _columns = new int[capacity];
            _rowMatch = new int[capacity];
            _highDetections = new int[capacity];
            _lowDetections = new int[capacity];
            _detectionTaken = new bool[capacity];
        }

        if (_cost.Length < tracks * detections)
        {
            _cost = new double[Math.Max(tracks * detections, _cost.Length * 2)];
        }
    }
}
