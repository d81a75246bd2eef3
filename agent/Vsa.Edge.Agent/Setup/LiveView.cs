using OpenCvSharp;
using Vsa.Edge.Agent.Annotation;
using Vsa.Edge.Agent.Core.Rules;
using Vsa.Edge.Agent.Core.Tracking;
using Vsa.Edge.Agent.Pipeline;
using Vsa.Edge.Configuration;
using Vsa.Edge.Configuration.Geometry;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Setup;

/// <summary>
/// The live view of the set-up page: the pipeline's last stage hands it each analysed frame (privacy masks already
/// blanked, as the model saw it) with its detections, tracks and the alerts the real rule engine emitted. It keeps the
/// last few frames in memory only (nothing is written to disk) and encodes one as JPEG when the page asks for it.
/// </summary>
internal sealed class LiveView
{
    private const int Ring = 4;
    private const int TrailLength = 20;

    private readonly IReadOnlyList<string> _labels;
    private readonly ModelManifest _manifest;
    private readonly Lock _lock = new();
    private readonly Mat[] _frames = [.. Enumerable.Range(0, Ring).Select(_ => new Mat())];
    private readonly long[] _frameSeqs = new long[Ring];
    private readonly Dictionary<string, AlertMessage> _open = new(StringComparer.Ordinal);
    private readonly Dictionary<(int Track, string Zone), DateTimeOffset> _dwell = [];
    private readonly Dictionary<int, Queue<float>> _trails = [];
    private (long Seq, byte[] Jpeg)? _encoded;
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private LiveSnapshot? _latest;
    private volatile CameraConfig _camera;
    private long _seq;
    private int _alertsRaised;

    public LiveView(CameraConfig camera, ModelManifest manifest)
    {
        _camera = camera;
        _manifest = manifest;
        _labels = manifest.Labels;
    }

    /// <summary>The configuration the overlay is computed against (the draft running now).</summary>
    public CameraConfig Camera
    {
        get => _camera;
        set => _camera = value;
    }

    /// <summary>A source problem to show instead of frames (null when frames flow).</summary>
    public string? Status { get; set; }

    /// <summary>Frame size of the source.</summary>
    public (int Width, int Height) Size { get; set; }

    /// <summary>The latest overlay, or null before the first frame.</summary>
    public LiveSnapshot? Latest => Volatile.Read(ref _latest);

    /// <summary>An annotator for one pipeline run, feeding this view (the view outlives it).</summary>
    public IFrameAnnotator CreateAnnotator() => new Annotator(this);

    /// <summary>Waits for a frame newer than <paramref name="after"/>, at most <paramref name="timeout"/>; null on timeout.</summary>
    public async Task<LiveSnapshot?> WaitNewerAsync(long after, TimeSpan timeout, TimeProvider time, CancellationToken ct)
    {
        Task next;
        lock (_lock)
        {
            if (_latest is { } latest && latest.Seq > after)
            {
                return latest;
            }

            next = _next.Task;
        }

        try
        {
            await next.WaitAsync(timeout, time, ct).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            return null;
        }

        return Latest;
    }

    /// <summary>The JPEG of frame <paramref name="seq"/> if still kept, else of the latest frame; null before the first frame.</summary>
    public (long Seq, byte[] Jpeg)? Jpeg(long seq)
    {
        lock (_lock)
        {
            if (_seq == 0)
            {
                return null;
            }

            var slot = Array.IndexOf(_frameSeqs, seq);
            if (slot < 0)
            {
                seq = _seq;
                slot = Array.IndexOf(_frameSeqs, seq);
            }

            if (_encoded is { } cached && cached.Seq == seq)
            {
                return cached;
            }

            Cv2.ImEncode(".jpg", _frames[slot], out var bytes, new ImageEncodingParam(ImwriteFlags.JpegQuality, 80));
            _encoded = (seq, bytes);
            return _encoded;
        }
    }

    private void OnFrame(Mat frame, in FrameResult result, in FrameObservation observation, IReadOnlyList<AlertMessage> alerts)
    {
        Track(alerts);
        var camera = _camera;
        var now = result.Timestamp;
        var detections = new List<LiveBox>(result.Detections.Length);
        for (var i = 0; i < result.Detections.Length; i++)
        {
            var d = result.Detections[i];
            detections.Add(new LiveBox(d.Box.X, d.Box.Y, d.Box.Width, d.Box.Height, Label(d.ClassId), MathF.Round(d.Score, 3), result.TrackIds[i]));
        }

        var zones = (camera.Zones ?? []).Select(z => (z.Id, Polygon: z.ToPolygon())).ToList();
        var lines = camera.Lines ?? [];
        var tracks = new List<LiveTrack>();
        var seen = new HashSet<(int, string)>();
        var alive = new HashSet<int>();
        foreach (var track in observation.Tracks)
        {
            if (track.State != TrackState.Confirmed || track.LastSeen != now)
            {
                continue;
            }

            alive.Add(track.Id);
            var (fx, fy) = track.Box.BottomCentre;
            var inZones = zones.Where(z => z.Polygon.Contains(new PointF(fx, fy))).Select(z => z.Id).ToList();
            foreach (var zone in inZones)
            {
                seen.Add((track.Id, zone));
                _dwell.TryAdd((track.Id, zone), now);
            }

            var sides = lines.Select(l => new LineSide(l.Id, Side(l, fx, fy))).ToList();
            tracks.Add(new LiveTrack(track.Id, Label(track.ClassId), track.Box.X, track.Box.Y, track.Box.Width, track.Box.Height, inZones, sides, Trail(track.Id, fx, fy)));
        }

        foreach (var key in _dwell.Keys.Where(k => !seen.Contains(k)).ToList())
        {
            _dwell.Remove(key);
        }

        foreach (var id in _trails.Keys.Where(k => !alive.Contains(k)).ToList())
        {
            _trails.Remove(id);
        }

        var events = EventStatuses(camera, observation.Tracks, now);
        lock (_lock)
        {
            var seq = _seq + 1;
            var slot = (int)(seq % Ring);
            frame.CopyTo(_frames[slot]);
            _frameSeqs[slot] = seq;
            _seq = seq;
            Volatile.Write(ref _latest, new LiveSnapshot(seq, now.ToUnixTimeMilliseconds(), 0, frame.Cols, frame.Rows, detections, tracks, events, _alertsRaised, Status));
            var next = _next;
            _next = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            next.TrySetResult();
        }
    }

    private List<EventStatus> EventStatuses(CameraConfig camera, IReadOnlyList<Track> tracks, DateTimeOffset now)
    {
        var statuses = new List<EventStatus>();
        var events = camera.Events ?? [];
        for (var i = 0; i < events.Count; i++)
        {
            var ev = events[i];
            if (!EventTypes.TryParse(ev.Type, out var type))
            {
                continue;
            }

            var categories = ev.Categories ?? EventParameters.DefaultCategories(type);
            var classes = Classes(categories);
            var minDuration = ev.MinDurationSeconds ?? EventParameters.DefaultMinDuration(type);
            var category = categories.Count > 0 ? categories[0] : "object";
            var applicable = tracks.Where(t => t.State == TrackState.Confirmed && t.LastSeen == now && classes.Contains(t.ClassId)).ToList();
            foreach (var zone in ev.Zones ?? [])
            {
                var inside = applicable.Where(t => _dwell.ContainsKey((t.Id, zone))).ToList();
                double? longest = inside.Count == 0 ? null : inside.Max(t => (now - _dwell[(t.Id, zone)]).TotalSeconds);
                statuses.Add(new EventStatus(i, ev.Type, ev.Enabled, zone, null, category, inside.Count, Round(longest), minDuration, OpenFor(type, zone, now)));
            }

            foreach (var line in ev.Lines ?? [])
            {
                statuses.Add(new EventStatus(i, ev.Type, ev.Enabled, null, line, category, applicable.Count, null, minDuration, OpenFor(type, line, now)));
            }

            if ((ev.Zones ?? []).Count == 0 && (ev.Lines ?? []).Count == 0)
            {
                double? longest = applicable.Count == 0 ? null : applicable.Max(t => (now - t.FirstSeen).TotalSeconds);
                statuses.Add(new EventStatus(i, ev.Type, ev.Enabled, null, null, category, applicable.Count, Round(longest), minDuration, OpenFor(type, null, now)));
            }
        }

        return statuses;
    }

    private HashSet<int> Classes(IReadOnlyList<string> categories)
    {
        var classes = new HashSet<int>();
        foreach (var category in categories)
        {
            if (_manifest.Categories.TryGetValue(category, out var labels))
            {
                foreach (var label in labels)
                {
                    classes.Add(_manifest.Labels.ToList().IndexOf(label));
                }
            }
        }

        return classes;
    }

    private double? OpenFor(EventType type, string? zone, DateTimeOffset now)
    {
        var open = _open.Values.Where(a => a.EventType == type && a.ZoneId == zone).ToList();
        return open.Count == 0 ? null : Round(open.Max(a => (now - a.StartedAt).TotalSeconds));
    }

    private void Track(IReadOnlyList<AlertMessage> alerts)
    {
        foreach (var alert in alerts)
        {
            if (alert.State == AlertState.End)
            {
                _open.Remove(alert.AlertId);
            }
            else
            {
                if (_open.TryAdd(alert.AlertId, alert))
                {
                    _alertsRaised++;
                }
                else
                {
                    _open[alert.AlertId] = alert;
                }
            }
        }
    }

    private float[] Trail(int track, float x, float y)
    {
        if (!_trails.TryGetValue(track, out var trail))
        {
            _trails[track] = trail = new Queue<float>();
        }

        trail.Enqueue(x);
        trail.Enqueue(y);
        while (trail.Count > 2 * TrailLength)
        {
            trail.Dequeue();
        }

        return [.. trail];
    }

    // Left and right as the validator defines them: looking from A towards B, in image coordinates (y down).
    private static string Side(LineConfig line, float x, float y)
    {
        var (ax, ay, bx, by) = (line.Points[0][0], line.Points[0][1], line.Points[1][0], line.Points[1][1]);
        var cross = ((bx - ax) * (y - ay)) - ((by - ay) * (x - ax));
        return cross < 0 ? "left" : "right";
    }

    private string Label(int classId) => (uint)classId < (uint)_labels.Count ? _labels[classId] : classId.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static double? Round(double? seconds) => seconds is { } s ? Math.Round(s, 1) : null;

    // One per pipeline run: FrameAnalysis disposes its annotator, the view lives on.
    private sealed class Annotator(LiveView view) : IFrameAnnotator
    {
        public void Annotate(Mat frame, in FrameResult result, in FrameObservation observation, IReadOnlyList<AlertMessage> alerts) =>
            view.OnFrame(frame, result, observation, alerts);

        public void Complete(IReadOnlyList<AlertMessage> alerts) => view.Track(alerts);

        public void Dispose()
        {
        }
    }
}
