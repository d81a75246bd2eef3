using System.Globalization;
using OpenCvSharp;
using Vsa.Edge.Agent.Core.Detection;
using Vsa.Edge.Agent.Core.Rules;
using Vsa.Edge.Agent.Pipeline;
using Vsa.Edge.Configuration;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Annotation;

/// <summary>
/// Draws the tuning overlay onto a frame: privacy masks hatched (their pixels are already black), zones with their
/// allowed direction, lines with arrows across them in each forbidden crossing direction, detections with class,
/// score and track id, pose lying scores, fire candidates, and the open alerts (their zone and objects in red, a list
/// at the top left). Geometry is converted to pixels once per frame size.
/// </summary>
internal sealed class OverlayPainter(CameraConfig? camera, IReadOnlyList<string> labels) : IDisposable
{
    private static readonly Scalar ZoneColour = new(0, 220, 255);
    private static readonly Scalar LineColour = new(255, 200, 0);
    private static readonly Scalar AllowedColour = new(0, 200, 0);
    private static readonly Scalar ForbiddenColour = new(0, 0, 255);
    private static readonly Scalar AlertColour = new(0, 0, 255);
    private static readonly Scalar PersonColour = new(80, 220, 80);
    private static readonly Scalar OtherColour = new(255, 140, 60);
    private static readonly Scalar FireColour = new(0, 140, 255);
    private static readonly Scalar MaskColour = new(110, 110, 110);

    private readonly Mat _hatch = new();
    private readonly Mat _hatchMask = new();
    private Size _size;
    private List<(string Id, Point[] Polygon, Point? ArrowFrom, Point? ArrowTo)> _zones = [];
    private List<(string Id, Point A, Point B, string Forbidden)> _lines = [];
    private Point[][] _masks = [];
    private readonly HashSet<int> _alertingTracks = [];

    public void Draw(Mat frame, in FrameResult result, in FrameObservation observation, IEnumerable<AlertMessage> open)
    {
        if (frame.Size() != _size)
        {
            Prepare(frame.Size());
        }

        var alerts = open.ToList();
        _alertingTracks.Clear();
        foreach (var alert in alerts)
        {
            foreach (var o in alert.Objects)
            {
                if (o.TrackId is { } id && alert.EventType is not (EventType.CrowdDensity or EventType.CrowdMovement))
                {
                    _alertingTracks.Add(id);
                }
            }
        }

        DrawMasks(frame);
        DrawZones(frame, alerts);
        DrawLines(frame, alerts);
        DrawDetections(frame, result, observation);
        DrawFire(frame, observation);
        DrawAlerts(frame, alerts, observation.Timestamp);
        Label(frame, string.Create(CultureInfo.InvariantCulture, $"frame {result.FrameIndex}  {result.Timestamp:yyyy-MM-dd HH:mm:ss.f}Z"), new Point(6, frame.Rows - 8), new Scalar(255, 255, 255));
    }

    public void Dispose()
    {
        _hatch.Dispose();
        _hatchMask.Dispose();
    }

    private Point ToPixel(double x, double y) => new((int)Math.Round(x * _size.Width), (int)Math.Round(y * _size.Height));

    private Point ToPixel(NormBox b, bool bottomRight) => bottomRight ? ToPixel(b.Right, b.Bottom) : ToPixel(b.X, b.Y);

    private void Prepare(Size size)
    {
        _size = size;
        _zones = [];
        _lines = [];
        _masks = [];
        if (camera is null)
        {
            return;
        }

        var lineMid = new Dictionary<string, (double X, double Y)>(StringComparer.Ordinal);
        foreach (var line in camera.Lines ?? [])
        {
            var (a, b) = (line.Points[0], line.Points[1]);
            lineMid[line.Id] = ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2);
            _lines.Add((line.Id, ToPixel(a[0], a[1]), ToPixel(b[0], b[1]), line.Forbidden ?? "both"));
        }

        foreach (var zone in camera.Zones)
        {
            var polygon = zone.Polygon.Select(v => ToPixel(v[0], v[1])).ToArray();
            var (cx, cy) = (zone.Polygon.Average(v => v[0]), zone.Polygon.Average(v => v[1]));
            (double X, double Y)? direction = zone.AllowedDirection switch
            {
                { Vector: { Count: 2 } v } => (v[0], v[1]),
                { FromLine: { } from, ToLine: { } to } when lineMid.ContainsKey(from) && lineMid.ContainsKey(to) =>
                    (lineMid[to].X - lineMid[from].X, lineMid[to].Y - lineMid[from].Y),
                _ => null,
            };
            if (direction is { } d && Math.Sqrt((d.X * d.X) + (d.Y * d.Y)) is var length && length > 0)
            {
                // The arrow is drawn in pixels, so the normalised direction is stretched by the frame's aspect.
                var (px, py) = (d.X / length * size.Width, d.Y / length * size.Height);
                var scale = 0.08 * Math.Min(size.Width, size.Height) / Math.Sqrt((px * px) + (py * py));
                var centre = ToPixel(cx, cy);
                _zones.Add((zone.Id, polygon, new Point(centre.X - (px * scale), centre.Y - (py * scale)), new Point(centre.X + (px * scale), centre.Y + (py * scale))));
            }
            else
            {
                _zones.Add((zone.Id, polygon, null, null));
            }
        }

        var masks = camera.PrivacyMaskPixels(size.Width, size.Height);
        _masks = [.. masks.Select(m => m.Select(p => new Point(p.X, p.Y)).ToArray())];
        _hatch.Create(size, MatType.CV_8UC3);
        _hatch.SetTo(Scalar.Black);
        _hatchMask.Create(size, MatType.CV_8UC1);
        _hatchMask.SetTo(Scalar.Black);
        if (_masks.Length > 0)
        {
            Cv2.FillPoly(_hatchMask, _masks, Scalar.White);
            for (var x = -size.Height; x < size.Width; x += 14)
            {
                Cv2.Line(_hatch, new Point(x, size.Height), new Point(x + size.Height, 0), MaskColour, 1);
            }
        }
    }

    private void DrawMasks(Mat frame)
    {
        if (_masks.Length == 0)
        {
            return;
        }

        _hatch.CopyTo(frame, _hatchMask);
        Cv2.Polylines(frame, _masks, true, MaskColour, 1);
        Label(frame, "privacy mask", _masks[0][0] + new Point(4, 14), MaskColour);
    }

    private void DrawZones(Mat frame, List<AlertMessage> alerts)
    {
        foreach (var (id, polygon, from, to) in _zones)
        {
            var alerting = alerts.Exists(a => a.ZoneId == id);
            Cv2.Polylines(frame, [polygon], true, alerting ? AlertColour : ZoneColour, alerting ? 3 : 2);
            Label(frame, id, polygon[0] + new Point(4, -4), alerting ? AlertColour : ZoneColour);
            if (from is { } f && to is { } t)
            {
                Cv2.ArrowedLine(frame, f, t, AllowedColour, 2, LineTypes.AntiAlias, 0, 0.3);
            }
        }
    }

    private void DrawLines(Mat frame, List<AlertMessage> alerts)
    {
        foreach (var (id, a, b, forbidden) in _lines)
        {
            var alerting = alerts.Exists(x => x.ZoneId == id);
            Cv2.Line(frame, a, b, alerting ? AlertColour : LineColour, alerting ? 3 : 2, LineTypes.AntiAlias);
            Label(frame, id, b + new Point(4, 0), LineColour);

            // Left and right as seen looking from A towards B; the right normal of (dx, dy) in image axes is (-dy, dx).
            var (dx, dy) = ((double)(b.X - a.X), (double)(b.Y - a.Y));
            var length = Math.Sqrt((dx * dx) + (dy * dy));
            if (length < 1)
            {
                continue;
            }

            var (rx, ry) = (-dy / length * 30, dx / length * 30);
            var mid = new Point((a.X + b.X) / 2, (a.Y + b.Y) / 2);
            if (forbidden is "left_to_right" or "both")
            {
                Cv2.ArrowedLine(frame, new Point(mid.X - rx, mid.Y - ry), new Point(mid.X + rx, mid.Y + ry), ForbiddenColour, 2, LineTypes.AntiAlias, 0, 0.3);
            }

            if (forbidden is "right_to_left" or "both")
            {
                Cv2.ArrowedLine(frame, new Point(mid.X + rx, mid.Y + ry), new Point(mid.X - rx, mid.Y - ry), ForbiddenColour, 2, LineTypes.AntiAlias, 0, 0.3);
            }
        }
    }

    private void DrawDetections(Mat frame, in FrameResult result, in FrameObservation observation)
    {
        for (var i = 0; i < result.Detections.Length; i++)
        {
            var d = result.Detections[i];
            var trackId = result.TrackIds[i];
            var label = (uint)d.ClassId < (uint)labels.Count ? labels[d.ClassId] : d.ClassId.ToString(CultureInfo.InvariantCulture);
            var colour = label == "person" ? PersonColour : OtherColour;
            var text = string.Create(CultureInfo.InvariantCulture, $"{label} {d.Score:0.00}{(trackId >= 0 ? $" #{trackId}" : string.Empty)}");
            if (trackId >= 0 && FindPose(observation, trackId) is { } pose)
            {
                text += string.Create(CultureInfo.InvariantCulture, $" lying {pose.LyingScore:0.00}");
            }

            // A track an open alert is about is drawn in red where it is now (the alert's boxes are where it started).
            var alerting = trackId >= 0 && _alertingTracks.Contains(trackId);
            Cv2.Rectangle(frame, ToPixel(d.Box, false), ToPixel(d.Box, true), alerting ? AlertColour : colour, alerting ? 3 : trackId >= 0 ? 2 : 1);
            Label(frame, text, ToPixel(d.Box, false) + new Point(0, -4), alerting ? AlertColour : colour);
        }
    }

    private void DrawFire(Mat frame, in FrameObservation observation)
    {
        foreach (var c in observation.FireCandidates ?? [])
        {
            Cv2.Rectangle(frame, ToPixel(c.Box, false), ToPixel(c.Box, true), FireColour, 2);
            Label(frame, string.Create(CultureInfo.InvariantCulture, $"fire? #{c.RegionId} grow {c.AreaGrowthRate:0.00}/s flicker {c.FlickerEnergy:0.00} colour {c.ColourScore:0.00}"),
                ToPixel(c.Box, false) + new Point(0, -4), FireColour);
        }
    }

    private void DrawAlerts(Mat frame, List<AlertMessage> alerts, DateTimeOffset now)
    {
        var y = 18;
        foreach (var alert in alerts.OrderBy(a => a.StartedAt))
        {
            foreach (var o in alert.Objects)
            {
                // Untracked subjects (fire candidates) have no current box: their alert's box is drawn.
                if (o.TrackId is null && o.Box.Length == 4)
                {
                    var box = new NormBox((float)o.Box[0], (float)o.Box[1], (float)o.Box[2], (float)o.Box[3]);
                    Cv2.Rectangle(frame, ToPixel(box, false), ToPixel(box, true), AlertColour, 3);
                }
            }

            var measured = alert.Measurement is { } m ? string.Create(CultureInfo.InvariantCulture, $" {m.Name} {m.Value:0.##} {m.Unit}") : string.Empty;
            var text = string.Create(CultureInfo.InvariantCulture,
                $"ALERT {EventTypes.ToWireName(alert.EventType)}{(alert.ZoneId is null ? string.Empty : $" [{alert.ZoneId}]")} for {(now - alert.StartedAt).TotalSeconds:0.0} s{measured}");
            Label(frame, text, new Point(6, y), AlertColour);
            y += 18;
        }
    }

    private static PoseEvidence? FindPose(in FrameObservation observation, int trackId)
    {
        foreach (var p in observation.Pose ?? [])
        {
            if (p.TrackId == trackId)
            {
                return p;
            }
        }

        return null;
    }

    // Text on a dark band so it stays readable on any background.
    private static void Label(Mat frame, string text, Point at, Scalar colour)
    {
        var size = Cv2.GetTextSize(text, HersheyFonts.HersheySimplex, 0.45, 1, out var baseline);
        var x = Math.Clamp(at.X, 0, Math.Max(0, frame.Cols - size.Width));
        var y = Math.Clamp(at.Y, size.Height + 2, frame.Rows - baseline);
        Cv2.Rectangle(frame, new Point(x - 1, y - size.Height - 2), new Point(x + size.Width + 1, y + baseline), Scalar.Black, -1);
        Cv2.PutText(frame, text, new Point(x, y), HersheyFonts.HersheySimplex, 0.45, colour, 1, LineTypes.AntiAlias);
    }
}
