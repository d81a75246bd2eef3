using Vsa.Edge.Contracts;

namespace Vsa.Edge.Configuration;

/// <summary>Validates one event of a camera against its zones, lines, calibration and time zone, applying defaults.</summary>
internal static class EventConfigValidator
{
    public static ResolvedEvent? Validate(EventConfig? ev, int index, ResolvedCamera camera, List<string> errors)
    {
        var at = $"events[{index}]";
        if (ev is null)
        {
            errors.Add($"{at}: null");
            return null;
        }

        if (string.IsNullOrWhiteSpace(ev.Type))
        {
            errors.Add($"{at}.type: missing (one of {EventTypes.AllNames})");
            return null;
        }

        if (!EventTypes.TryParse(ev.Type, out var type))
        {
            errors.Add($"{at}.type: '{ev.Type}' is not one of the eight authorised events ({EventTypes.AllNames})");
            return null;
        }

        var count = errors.Count;
        var zones = ev.Zones ?? [];
        var lines = ev.Lines ?? [];
        ValidateTargets(type, zones, lines, at, camera, errors);
        var categories = ValidateCategories(type, ev.Categories, at, errors);

        var minDuration = ev.MinDurationSeconds ?? EventParameters.DefaultMinDuration(type);
        if (!double.IsFinite(minDuration) || minDuration < 0 || minDuration > 3600)
        {
            errors.Add($"{at}.minDurationSeconds: {minDuration} must be a finite number ≥ 0 (and at most 3600)");
        }

        if (ev.CooldownSeconds is { } cooldown && (!double.IsFinite(cooldown) || cooldown < 0 || cooldown > 86400))
        {
            errors.Add($"{at}.cooldownSeconds: {cooldown} must be a finite number ≥ 0 (and at most 86400)");
        }

        var parameters = EventParameters.Resolve(type, ev.Parameters, camera.Ground.IsCalibrated, at, errors);
        var schedule = EventSchedule.Parse(ev.Schedule, camera.TimeZone, $"{at}.schedule", errors);
        if (errors.Count > count || schedule is null)
        {
            return null;
        }

        return new ResolvedEvent(
            index,
            type,
            ev.Enabled,
            zones,
            lines,
            categories ?? EventParameters.DefaultCategories(type),
            categories is not null,
            TimeSpan.FromSeconds(minDuration),
            ev.CooldownSeconds is { } c ? TimeSpan.FromSeconds(c) : null,
            parameters,
            schedule);
    }

    private static void ValidateTargets(EventType type, IReadOnlyList<string> zones, IReadOnlyList<string> lines, string at, ResolvedCamera camera, List<string> errors)
    {
        if (zones.Count == 0 && lines.Count == 0 && !EventParameters.AllowsWholeFrame(type))
        {
            errors.Add(type == EventType.Intrusion
                ? $"{at}.zones: intrusion needs at least one zone or line"
                : $"{at}.zones: at least one zone is required");
        }

        for (var z = 0; z < zones.Count; z++)
        {
            var id = zones[z];
            if (id is null || !camera.Zones.TryGetValue(id, out var zone))
            {
                var isLine = id is not null && camera.Lines.ContainsKey(id);
                errors.Add($"{at}.zones[{z}]: unknown zone '{id}'{(isLine ? " (it is a line: list it under lines)" : string.Empty)}");
                continue;
            }

            if (type == EventType.WrongWay && zone.AllowedDirection is null)
            {
                errors.Add($"{at}.zones[{z}]: zone '{id}' has no allowedDirection, which wrong_way needs");
            }

            if (type == EventType.CrowdDensity && camera.Ground.Homography is { } h)
            {
                foreach (var v in zone.Polygon.Vertices)
                {
                    if (!h.IsInFront(v.X, v.Y))
                    {
                        errors.Add($"{at}.zones[{z}]: zone '{id}' reaches beyond the calibrated ground's horizon, so its area in m² is undefined");
                        break;
                    }
                }
            }
        }

        if (lines.Count > 0 && type != EventType.Intrusion)
        {
            errors.Add($"{at}.lines: only intrusion uses lines");
            return;
        }

        for (var l = 0; l < lines.Count; l++)
        {
            if (lines[l] is null || !camera.Lines.ContainsKey(lines[l]))
            {
                errors.Add($"{at}.lines[{l}]: unknown line '{lines[l]}'");
            }
        }
    }

    private static IReadOnlyList<string>? ValidateCategories(EventType type, IReadOnlyList<string>? categories, string at, List<string> errors)
    {
        if (categories is null)
        {
            return null;
        }

        if (categories.Count == 0)
        {
            errors.Add($"{at}.categories: empty (omit it for the default: {string.Join(", ", EventParameters.DefaultCategories(type))})");
            return null;
        }

        for (var c = 0; c < categories.Count; c++)
        {
            var category = categories[c];
            if (string.IsNullOrWhiteSpace(category))
            {
                errors.Add($"{at}.categories[{c}]: empty");
            }
            else if (EventParameters.PersonsOnly(type) && category != "person")
            {
                errors.Add($"{at}.categories[{c}]: {EventTypes.ToWireName(type)} concerns persons only, not '{category}'");
            }
            else if (type == EventType.AbandonedObject && category is "person" or "vehicle")
            {
                // The 2024 evaluation's main false alarm: seated or lying people taken for parcels. Never allow it by configuration.
                errors.Add($"{at}.categories[{c}]: '{category}' can never be an abandoned object (persons are never parcels; parked vehicles are not abandoned objects)");
            }
        }

        return categories;
    }
}
