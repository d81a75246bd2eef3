using OpenCvSharp;
using Vsa.Edge.Agent.Core.Detection;
using Vsa.Edge.Agent.Core.Rules;
using Vsa.Edge.Agent.Inference;

namespace Vsa.Edge.Agent.Fire;

/// <summary>
/// Classical fire candidates for models without a fire class: each frame is area-averaged down to
/// <see cref="FireDetectorOptions.AnalysisWidth"/>, its fire-coloured pixels are grouped into regions, and each region is
/// followed from frame to frame (best bounding-box overlap) to measure its growth, flicker and colour over a short
/// window. The detector describes; <c>FireCandidateRule</c> in the core decides (a steady lamp neither grows nor
/// flickers, a blinking light disappears half the time or repeats itself). One instance per camera; no allocation per
/// frame in steady state (buffers are sized once per frame size, region records are recycled).
/// </summary>
public sealed class FireDetector : IDisposable
{
    private readonly FireDetectorOptions _options;
    private readonly Mat _small = new();
    private readonly MatResizer _resizer;
    private readonly FirePixels _pixels;
    private readonly List<FireRegionHistory> _followed = [];
    private readonly Stack<FireRegionHistory> _free = new();
    private readonly List<FireCandidate> _candidates = [];
    private DateTimeOffset? _previous;
    private TimeSpan _interval;
    private int _nextId = 1;

    public FireDetector(FireDetectorOptions? options = null)
    {
        _options = options ?? new FireDetectorOptions();
        _resizer = new MatResizer(_small, InterpolationFlags.Area);
        _pixels = new FirePixels(_options);
    }

    /// <summary>Regions followed right now (reported or not yet).</summary>
    public int FollowedRegions => _followed.Count;

    /// <summary>Fire-coloured pixels of the last analysis image.</summary>
    public int LastFirePixels => _pixels.FirePixelCount;

    /// <summary>
    /// Analyses one 8-bit BGR frame (privacy masks already blanked) and returns the candidates seen in it that have been
    /// followed for at least <see cref="FireDetectorOptions.MinSamples"/> frames. The list is reused by the next call.
    /// </summary>
    public IReadOnlyList<FireCandidate> Detect(Mat frame, DateTimeOffset timestamp)
    {
        ArgumentNullException.ThrowIfNull(frame);
        if (frame.Empty() || frame.Type() != MatType.CV_8UC3)
        {
            throw new ArgumentException("Expected a non-empty 8-bit 3-channel BGR frame.", nameof(frame));
        }

        _interval = _previous is { } previous && timestamp > previous ? timestamp - previous : _interval;
        _previous = timestamp;
        var width = Math.Min(_options.AnalysisWidth, frame.Cols);
        var height = Math.Max(1, (int)Math.Round(frame.Rows * (double)width / frame.Cols));
        Mat image;
        if (width == frame.Cols && height == frame.Rows)
        {
            image = frame;
        }
        else
        {
            _resizer.Resize(frame, width, height);
            image = _small;
        }

        Find(image, width, height);
        Follow(timestamp);
        Report(width, height, timestamp);
        GC.KeepAlive(image);
        return _candidates;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _resizer.Dispose();
        _small.Dispose();
    }

    private unsafe void Find(Mat image, int width, int height) =>
        _pixels.Find((byte*)image.Data, (long)image.Step(), width, height);

    // Greedy matching, largest region first, to the followed region with the best overlap (or containing its centre).
    private void Follow(DateTimeOffset now)
    {
        foreach (var followed in _followed)
        {
            followed.MatchedThisFrame = false;
        }

        var regions = _pixels.Regions;
        for (var r = 0; r < regions.Length; r++)
        {
            var region = regions[r];
            FireRegionHistory? best = null;
            var bestScore = 0.0;
            foreach (var followed in _followed)
            {
                if (followed.MatchedThisFrame)
                {
                    continue;
                }

                var last = followed.Last;
                var score = region.IoU(last);
                var (cx, cy) = ((region.X0 + region.X1) / 2, (region.Y0 + region.Y1) / 2);
                if (score < 0.1 && cx >= last.X0 && cx <= last.X1 && cy >= last.Y0 && cy <= last.Y1)
                {
                    score = 0.1;
                }

                if (score > bestScore)
                {
                    (best, bestScore) = (followed, score);
                }
            }

            if (best is not null && bestScore >= 0.1)
            {
                best.Add(region, now);
            }
            else if (_followed.Count < _options.MaxRegions)
            {
                var fresh = _free.Count > 0 ? _free.Pop() : new FireRegionHistory();
                fresh.Reset(_nextId++, region, now);
                _followed.Add(fresh);
            }
        }

        // Forget regions unseen for longer than the gap (and than 1.5 frame intervals, for sparse analysis rates).
        var maxGap = _options.MaxGap > _interval * 1.5 ? _options.MaxGap : _interval * 1.5;
        for (var i = _followed.Count - 1; i >= 0; i--)
        {
            var followed = _followed[i];
            if (!followed.MatchedThisFrame && now - followed.LastSeen > maxGap)
            {
                _followed.RemoveAt(i);
                _free.Push(followed);
            }
        }
    }

    private void Report(int width, int height, DateTimeOffset now)
    {
        _candidates.Clear();
        foreach (var followed in _followed)
        {
            if (!followed.MatchedThisFrame || followed.Count < _options.MinSamples)
            {
                continue;
            }

            var r = followed.Last;
            var box = new NormBox(r.X0 / (float)width, r.Y0 / (float)height, r.Width / (float)width, r.Height / (float)height);
            _candidates.Add(new FireCandidate(
                followed.Id,
                box,
                followed.GrowthRate(_options.Window),
                followed.Flicker(_options.Window, _options.FlickerFloor),
                r.Colour,
                now));
        }
    }
}
