using System.ComponentModel.DataAnnotations;
using OpenCvSharp;
using Vsa.Edge.Agent.Core.Detection;
using Vsa.Edge.Agent.Core.Rules;
using Vsa.Edge.Agent.Core.Tracking;
using Vsa.Edge.Agent.Inference;

namespace Vsa.Edge.Agent.StaticRegions;

/// <summary>
/// Static foreground by dual backgrounds (Porikli): each frame is area-averaged down to a grey image of
/// <see cref="StaticRegionOptions.AnalysisWidth"/> and learnt by two running averages, a short-term one that absorbs
/// whatever stopped within about a second and a long-term one that only follows slow drift. A pixel that differs from
/// the long-term background but not from the short-term one belongs to something new that has stopped: a dropped bag,
/// a box, an object of a class the detector does not know. Those pixels are cleaned (opening, closing), grouped into
/// regions, filtered by area and followed from frame to frame by overlap; <see cref="StaticRegion.StaticSince"/> is the
/// frame time a region was first seen static. Regions a person's box covers are not reported (a seated person is not a
/// parcel). What was there from the first frame is in both backgrounds and never shows. One instance per camera, used
/// by one thread; buffers are sized once per frame size and region records are recycled.
/// </summary>
public sealed class StaticRegionDetector : IStaticRegionSource, IDisposable
{
    private readonly StaticRegionOptions _options;
    private readonly bool[]? _personClasses;
    private readonly Mat _small = new();
    private readonly MatResizer _resizer;
    private readonly MaskRegions _mask = new();
    private readonly List<Followed> _followed = [];
    private readonly Stack<Followed> _free = new();
    private readonly List<StaticRegion> _regions = [];
    private readonly List<(Rect Box, int Label)> _found = [];
    private readonly DualBackground _background = new();
    private bool[] _holdLabel = [];
    private int _width;
    private int _height;
    private DateTimeOffset? _previous;
    private DateTimeOffset _last;
    private TimeSpan _interval;
    private int _nextId = 1;

    /// <param name="options">Settings (validated), or null for the defaults.</param>
    /// <param name="personClasses">Class index → person, to leave out regions a person covers; null to leave none out.</param>
    public StaticRegionDetector(StaticRegionOptions? options = null, bool[]? personClasses = null)
    {
        _options = options ?? new StaticRegionOptions();
        Validator.ValidateObject(_options, new ValidationContext(_options), validateAllProperties: true);
        if (_options.MinArea >= _options.MaxArea)
        {
            throw new ValidationException("StaticRegionOptions.MinArea must be below MaxArea.");
        }

        _personClasses = personClasses;
        _resizer = new MatResizer(_small, InterpolationFlags.Area);
    }

    /// <summary>Regions followed right now (reported or not yet).</summary>
    public int FollowedRegions => _followed.Count;

    /// <summary>Static foreground pixels of the last analysis image, before the area filter.</summary>
    public int LastStaticPixels { get; private set; }

    /// <summary>
    /// Analyses one 8-bit BGR frame (privacy masks already blanked) with the frame's tracks and returns the regions
    /// static for at least <see cref="StaticRegionOptions.ConfirmAfter"/>, seen in this frame and not covered by a
    /// person. The list is reused by the next call.
    /// </summary>
    public IReadOnlyList<StaticRegion> Update(Mat frame, IReadOnlyList<Track> tracks, DateTimeOffset timestamp)
    {
        ArgumentNullException.ThrowIfNull(frame);
        ArgumentNullException.ThrowIfNull(tracks);
        if (frame.Empty() || frame.Type() != MatType.CV_8UC3)
        {
            throw new ArgumentException("Expected a non-empty 8-bit 3-channel BGR frame.", nameof(frame));
        }

        var width = Math.Min(_options.AnalysisWidth, frame.Cols);
        var height = Math.Max(1, (int)Math.Round(frame.Rows * (double)width / frame.Cols));
        _resizer.Resize(frame, width, height);
        var reset = width != _width || height != _height;
        if (reset)
        {
            Allocate(width, height);
        }

        // Learning rates from elapsed time, so the time constants hold at any analysis rate; a long pause counts as one.
        var dt = _previous is { } previous && timestamp > previous ? timestamp - previous : TimeSpan.Zero;
        _interval = dt > TimeSpan.Zero ? dt : _interval;
        _previous = timestamp;
        var step = Math.Min(dt.TotalSeconds, _options.ShortTerm.TotalSeconds);
        var alphaShort = (float)(1 - Math.Exp(-step / _options.ShortTerm.TotalSeconds));
        var alphaLong = (float)(1 - Math.Exp(-step / _options.LongTerm.TotalSeconds));
        LastStaticPixels = _background.Classify(_small, _mask.Mask, reset, alphaShort, alphaLong, _options.Threshold);

        Find();
        Follow(timestamp);
        Unghost();
        Hold(timestamp);
        Report(tracks, timestamp);
        _last = timestamp;
        return _regions;
    }

    /// <inheritdoc />
    /// <remarks>The regions of the last <see cref="Update"/> if it was for this frame time; none otherwise.</remarks>
    public IReadOnlyList<StaticRegion> GetStaticRegions(DateTimeOffset timestamp) => timestamp == _last ? _regions : [];

    /// <inheritdoc />
    public void Dispose()
    {
        _resizer.Dispose();
        _small.Dispose();
        _mask.Dispose();
    }

    private void Allocate(int width, int height)
    {
        (_width, _height) = (width, height);
        _background.Allocate(width, height);
        _mask.Mask.Create(height, width, MatType.CV_8UC1);
        _followed.Clear();
        _previous = null;
    }

    private void Find()
    {
        _found.Clear();
        var labels = _mask.Label();
        if (_holdLabel.Length < labels)
        {
            _holdLabel = new bool[Math.Max(labels, 2 * _holdLabel.Length)];
        }

        var total = (double)_width * _height;
        for (var i = 1; i < labels; i++)
        {
            var area = _mask.Stats.At<int>(i, (int)ConnectedComponentsTypes.Area) / total;
            if (area < _options.MinArea || area > _options.MaxArea)
            {
                continue;
            }

            var box = new Rect(
                _mask.Stats.At<int>(i, (int)ConnectedComponentsTypes.Left),
                _mask.Stats.At<int>(i, (int)ConnectedComponentsTypes.Top),
                _mask.Stats.At<int>(i, (int)ConnectedComponentsTypes.Width),
                _mask.Stats.At<int>(i, (int)ConnectedComponentsTypes.Height));
            _found.Add((box, i));
        }

        // Largest first, so that when regions split the bigger part keeps the id.
        _found.Sort(static (a, b) => (b.Box.Width * b.Box.Height).CompareTo(a.Box.Width * a.Box.Height));
        if (_found.Count > _options.MaxRegions)
        {
            _found.RemoveRange(_options.MaxRegions, _found.Count - _options.MaxRegions);
        }
    }

    // Greedy matching, largest region first, to the followed region with the best overlap.
    private void Follow(DateTimeOffset now)
    {
        foreach (var followed in _followed)
        {
            followed.Label = 0;
        }

        foreach (var (box, label) in _found)
        {
            Followed? best = null;
            var bestIoU = 0.3;
            foreach (var followed in _followed)
            {
                var iou = IoU(box, followed.Box);
                if (followed.Label == 0 && iou >= bestIoU)
                {
                    (best, bestIoU) = (followed, iou);
                }
            }

            if (best is null)
            {
                if (_followed.Count >= _options.MaxRegions)
                {
                    continue;
                }

                best = _free.Count > 0 ? _free.Pop() : new Followed();
                (best.Id, best.Since) = (_nextId++, now);
                _followed.Add(best);
            }

            (best.Box, best.Label, best.LastSeen) = (box, label, now);
        }

        var maxGap = _options.MaxGap > _interval * 1.5 ? _options.MaxGap : _interval * 1.5;
        for (var i = _followed.Count - 1; i >= 0; i--)
        {
            var followed = _followed[i];
            if (followed.Label == 0 && now - followed.LastSeen > maxGap)
            {
                _followed.RemoveAt(i);
                _free.Push(followed);
            }
        }
    }

    /// <summary>
    /// Drops ghosts (see <see cref="DualBackground.IsGhost"/>): learnt into the long-term background at once and
    /// forgotten.
    /// </summary>
    private void Unghost()
    {
        for (var i = _followed.Count - 1; i >= 0; i--)
        {
            var followed = _followed[i];
            if (followed.Label > 0 && _background.IsGhost(_mask.Labels, followed.Label, followed.Box))
            {
                _background.Learn(_mask.Labels, followed.Label, followed.Box);
                _followed.RemoveAt(i);
                _free.Push(followed);
            }
        }
    }

    /// <summary>
    /// Holds the pixels of followed regions younger than <see cref="StaticRegionOptions.MaxStatic"/> out of the
    /// long-term background; anything else (outside the area limits too, such as a lighting change) is learnt as usual.
    /// </summary>
    private void Hold(DateTimeOffset now)
    {
        Array.Clear(_holdLabel);
        var any = false;
        foreach (var followed in _followed)
        {
            if (followed.Label > 0 && now - followed.Since < _options.MaxStatic)
            {
                _holdLabel[followed.Label] = any = true;
            }
        }

        _background.Hold(_mask.Labels, any ? _holdLabel : null);
    }

    private void Report(IReadOnlyList<Track> tracks, DateTimeOffset now)
    {
        _regions.Clear();
        foreach (var followed in _followed)
        {
            if (followed.Label == 0 || now - followed.Since < _options.ConfirmAfter)
            {
                continue;
            }

            var r = followed.Box;
            var box = new NormBox(r.X / (float)_width, r.Y / (float)_height, r.Width / (float)_width, r.Height / (float)_height);
            if (!PersonOver(box, tracks))
            {
                _regions.Add(new StaticRegion(followed.Id, box, followed.Since));
            }
        }
    }

    private bool PersonOver(in NormBox region, IReadOnlyList<Track> tracks)
    {
        if (_personClasses is null)
        {
            return false;
        }

        for (var i = 0; i < tracks.Count; i++)
        {
            var track = tracks[i];
            if ((uint)track.ClassId >= (uint)_personClasses.Length || !_personClasses[track.ClassId])
            {
                continue;
            }

            var b = track.Box;
            var w = MathF.Min(b.Right, region.Right) - MathF.Max(b.X, region.X);
            var h = MathF.Min(b.Bottom, region.Bottom) - MathF.Max(b.Y, region.Y);
            if (w > 0 && h > 0 && w * h >= _options.PersonOverlap * region.Area)
            {
                return true;
            }
        }

        return false;
    }

    private static double IoU(Rect a, Rect b)
    {
        var w = Math.Min(a.Right, b.Right) - Math.Max(a.X, b.X);
        var h = Math.Min(a.Bottom, b.Bottom) - Math.Max(a.Y, b.Y);
        if (w <= 0 || h <= 0)
        {
            return 0;
        }

        var inter = (double)w * h;
        return inter / (((double)a.Width * a.Height) + ((double)b.Width * b.Height) - inter);
    }

    private sealed class Followed
    {
        public int Id;
        public Rect Box;
        public int Label;
        public DateTimeOffset Since;
        public DateTimeOffset LastSeen;
    }
}
