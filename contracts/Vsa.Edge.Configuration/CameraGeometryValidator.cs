using Vsa.Edge.Configuration.Geometry;

namespace Vsa.Edge.Configuration;

/// <summary>Validates the geometric parts of a camera: zones, lines, allowed directions, privacy masks, calibration, time zone.</summary>
internal static class CameraGeometryValidator
{
    /// <summary>Samples per side of the grid used to decide whether masks leave any of the frame visible.</summary>
    private const int MaskGrid = 64;

    public static void Validate(CameraConfig config, ResolvedCamera camera, List<string> errors)
    {
        var zones = config.Zones ?? [];
        var polygons = new Polygon?[zones.Count];
        var zoneIds = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < zones.Count; i++)
        {
            polygons[i] = ValidateZoneShape(zones[i], $"zones[{i}]", zoneIds, errors);
        }

        var lines = config.Lines ?? [];
        for (var i = 0; i < lines.Count; i++)
        {
            ValidateLine(lines[i], $"lines[{i}]", zoneIds, camera, errors);
        }

        for (var i = 0; i < zones.Count; i++)
        {
            if (polygons[i] is { } polygon)
            {
                var direction = ValidateDirection(zones[i].AllowedDirection, $"zones[{i}].allowedDirection", camera, errors);
                camera.Zones[zones[i].Id] = new ResolvedZone(zones[i].Id, polygon, direction);
            }
        }

        ValidateMasks(config.PrivacyMasks ?? [], errors);
        if (config.Calibration is not null)
        {
            camera.Ground = ValidateCalibration(config.Calibration, errors);
        }

        if (config.TimeZone is not null)
        {
            try
            {
                camera.TimeZone = TimeZoneInfo.FindSystemTimeZoneById(config.TimeZone);
            }
            catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException)
            {
                errors.Add($"timeZone: unknown time zone '{config.TimeZone}' (use an IANA id such as Europe/Paris)");
            }
        }
    }

    /// <summary>Checks a polygon field (≥ 3 points in [0, 1], simple, non-empty); null when it is unusable.</summary>
    public static Polygon? ValidatePolygon(IReadOnlyList<IReadOnlyList<float>>? vertices, string at, List<string> errors)
    {
        if (vertices is null || vertices.Count < 3)
        {
            errors.Add($"{at}: needs at least 3 points, got {vertices?.Count ?? 0}");
            return null;
        }

        if (!ValidatePoints(vertices, at, errors))
        {
            return null;
        }

        var polygon = ZoneConfig.ToPolygon(vertices);
        if (polygon.IsSelfIntersecting)
        {
            errors.Add($"{at}: self-intersecting");
            return null;
        }

        if (polygon.Area <= Polygon.EdgeTolerance)
        {
            errors.Add($"{at}: area {polygon.Area:G3} is too small (under {Polygon.EdgeTolerance:G1} of the frame)");
            return null;
        }

        return polygon;
    }

    private static bool ValidatePoints(IReadOnlyList<IReadOnlyList<float>> vertices, string at, List<string> errors)
    {
        var ok = true;
        for (var p = 0; p < vertices.Count; p++)
        {
            var point = vertices[p];
            if (point is null || point.Count != 2)
            {
                errors.Add($"{at}[{p}]: expected [x, y]");
                ok = false;
            }
            else if (!InUnitRange(point[0]) || !InUnitRange(point[1]))
            {
                errors.Add($"{at}[{p}]: coordinate ({point[0]}, {point[1]}) outside [0, 1]");
                ok = false;
            }
        }

        return ok;
    }

    private static Polygon? ValidateZoneShape(ZoneConfig? zone, string at, HashSet<string> zoneIds, List<string> errors)
    {
        if (zone is null)
        {
            errors.Add($"{at}: null");
            return null;
        }

        if (string.IsNullOrWhiteSpace(zone.Id))
        {
            errors.Add($"{at}.id: missing");
        }
        else if (!zoneIds.Add(zone.Id))
        {
            errors.Add($"{at}.id: duplicate zone id '{zone.Id}'");
            ValidatePolygon(zone.Polygon, $"{at}.polygon", errors);
            return null;
        }

        var polygon = ValidatePolygon(zone.Polygon, $"{at}.polygon", errors);
        return string.IsNullOrWhiteSpace(zone.Id) ? null : polygon;
    }

    private static void ValidateLine(LineConfig? line, string at, HashSet<string> ids, ResolvedCamera camera, List<string> errors)
    {
        if (line is null)
        {
            errors.Add($"{at}: null");
            return;
        }

        var idOk = false;
        if (string.IsNullOrWhiteSpace(line.Id))
        {
            errors.Add($"{at}.id: missing");
        }
        else if (!ids.Add(line.Id))
        {
            errors.Add($"{at}.id: duplicate id '{line.Id}' (zones and lines share one id space: alerts carry it)");
        }
        else
        {
            idOk = true;
        }

        var forbidden = line.Forbidden switch
        {
            null or "both" => ForbiddenCrossing.Both,
            "left_to_right" => ForbiddenCrossing.LeftToRight,
            "right_to_left" => ForbiddenCrossing.RightToLeft,
            _ => (ForbiddenCrossing?)null,
        };
        if (forbidden is null)
        {
            errors.Add($"{at}.forbidden: '{line.Forbidden}' is not one of left_to_right, right_to_left, both");
        }

        if (line.Points is null || line.Points.Count != 2)
        {
            errors.Add($"{at}.points: needs exactly 2 points, got {line.Points?.Count ?? 0}");
            return;
        }

        if (!ValidatePoints(line.Points, $"{at}.points", errors))
        {
            return;
        }

        var a = new PointF(line.Points[0][0], line.Points[0][1]);
        var b = new PointF(line.Points[1][0], line.Points[1][1]);
        var length = Math.Sqrt(Math.Pow(b.X - a.X, 2) + Math.Pow(b.Y - a.Y, 2));
        if (length < 0.01)
        {
            errors.Add($"{at}.points: the line is {length:G3} long, under 0.01 of the frame");
            return;
        }

        if (idOk && forbidden is { } f)
        {
            camera.Lines[line.Id] = new ResolvedLine(line.Id, a, b, f);
        }
    }

    private static (double X, double Y)? ValidateDirection(AllowedDirectionConfig? direction, string at, ResolvedCamera camera, List<string> errors)
    {
        if (direction is null)
        {
            return null;
        }

        var byVector = direction.Vector is not null;
        var byLines = direction.FromLine is not null || direction.ToLine is not null;
        if (byVector == byLines)
        {
            errors.Add($"{at}: give either vector or fromLine and toLine");
            return null;
        }

        if (byVector)
        {
            var v = direction.Vector!;
            var length = v.Count == 2 && float.IsFinite(v[0]) && float.IsFinite(v[1]) ? Math.Sqrt((v[0] * v[0]) + (v[1] * v[1])) : 0;
            if (length < 1e-6)
            {
                errors.Add($"{at}.vector: expected a non-zero [dx, dy]");
                return null;
            }

            return (v[0] / length, v[1] / length);
        }

        if (!camera.Lines.TryGetValue(direction.FromLine ?? string.Empty, out var from))
        {
            errors.Add($"{at}.fromLine: unknown line '{direction.FromLine}'");
        }

        if (!camera.Lines.TryGetValue(direction.ToLine ?? string.Empty, out var to))
        {
            errors.Add($"{at}.toLine: unknown line '{direction.ToLine}'");
        }

        if (from is null || to is null)
        {
            return null;
        }

        var dx = ((to.A.X + to.B.X) / 2.0) - ((from.A.X + from.B.X) / 2.0);
        var dy = ((to.A.Y + to.B.Y) / 2.0) - ((from.A.Y + from.B.Y) / 2.0);
        var d = Math.Sqrt((dx * dx) + (dy * dy));
        if (d < 0.01)
        {
            errors.Add($"{at}.toLine: its midpoint is within 0.01 of fromLine's, no direction between them");
            return null;
        }

        return (dx / d, dy / d);
    }

    private static void ValidateMasks(IReadOnlyList<PrivacyMaskConfig> masks, List<string> errors)
    {
        var polygons = new List<Polygon>();
        for (var i = 0; i < masks.Count; i++)
        {
            var at = $"privacyMasks[{i}]";
            if (masks[i] is null)
            {
                errors.Add($"{at}: null");
                continue;
            }

            var polygon = ValidatePolygon(masks[i].Polygon, $"{at}.polygon", errors);
            if (polygon is null)
            {
                continue;
            }

            if (CoversFrame([polygon]))
            {
                errors.Add($"{at}.polygon: covers the whole frame; a camera whose whole view must be masked must not be analysed");
                return;
            }

            polygons.Add(polygon);
        }

        if (polygons.Count > 1 && CoversFrame(polygons))
        {
            errors.Add("privacyMasks: together they cover the whole frame; a camera whose whole view must be masked must not be analysed");
        }
    }

    /// <summary>Whether the masks cover every sample of a 64 × 64 grid: what they leave visible is under a grid cell.</summary>
    private static bool CoversFrame(List<Polygon> masks)
    {
        for (var gy = 0; gy < MaskGrid; gy++)
        {
            for (var gx = 0; gx < MaskGrid; gx++)
            {
                var p = new PointF((gx + 0.5f) / MaskGrid, (gy + 0.5f) / MaskGrid);
                if (!masks.Exists(m => m.Contains(p)))
                {
                    return false;
                }
            }
        }

        return true;
    }

    private static GroundPlane ValidateCalibration(CalibrationConfig calibration, List<string> errors)
    {
        var points = calibration.Points ?? [];
        if (points.Count < 4)
        {
            errors.Add($"calibration.points: needs at least 4 image/world point pairs, got {points.Count}");
            return GroundPlane.Uncalibrated;
        }

        var count = errors.Count;
        for (var i = 0; i < points.Count; i++)
        {
            var p = points[i];
            if (p?.Image is not { Count: 2 } || !InUnitRange(p.Image[0]) || !InUnitRange(p.Image[1]))
            {
                errors.Add($"calibration.points[{i}].image: expected [x, y] in [0, 1]");
            }

            if (p?.World is not { Count: 2 } || !double.IsFinite(p.World[0]) || !double.IsFinite(p.World[1]))
            {
                errors.Add($"calibration.points[{i}].world: expected [x, y] in metres");
            }
        }

        if (errors.Count > count)
        {
            return GroundPlane.Uncalibrated;
        }

        var homography = calibration.TryFit(out var problem);
        if (homography is null)
        {
            errors.Add($"calibration.{problem}");
            return GroundPlane.Uncalibrated;
        }

        double minX = double.MaxValue, minY = double.MaxValue, maxX = double.MinValue, maxY = double.MinValue;
        foreach (var p in points)
        {
            (minX, minY, maxX, maxY) = (Math.Min(minX, p.World[0]), Math.Min(minY, p.World[1]), Math.Max(maxX, p.World[0]), Math.Max(maxY, p.World[1]));
        }

        var extent = Math.Sqrt(Math.Pow(maxX - minX, 2) + Math.Pow(maxY - minY, 2));
        if (homography.RmsError > 0.1 * extent)
        {
            errors.Add($"calibration.points: inconsistent, the best ground plane misses them by {homography.RmsError:G3} m RMS (over 10 % of their {extent:G3} m extent)");
            return GroundPlane.Uncalibrated;
        }

        return new GroundPlane(homography);
    }

    private static bool InUnitRange(double v) => v is >= 0 and <= 1;
}
