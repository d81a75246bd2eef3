using Vsa.Edge.Configuration;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Core.Rules;

/// <summary>Builds the rules of a validated camera for a model: one rule per (event, zone or line), classes resolved from the manifest.</summary>
internal static class RuleFactory
{
    public static List<Rule> Build(ResolvedCamera camera, ModelManifest manifest, string deviceId, RuleOptions options, List<string> errors, out RuleInputs inputs)
    {
        inputs = RuleInputs.None;
        var rules = new List<Rule>();
        var model = new ModelRef(manifest.Id, manifest.Version);
        foreach (var ev in camera.Events)
        {
            if (!ev.Enabled)
            {
                continue;
            }

            var count = errors.Count;
            var mask = ev.Type == EventType.Fire && !ev.CategoriesGiven && !manifest.Categories.ContainsKey("fire")
                ? null // no fire class in the model: pixel candidates only
                : ClassMask(ev, manifest, errors);
            var personMask = ev.Type == EventType.AbandonedObject
                ? CategoryMask("person", ev.At, manifest, errors, "; abandoned_object needs it to tell who attends an object")
                : null;
            if (mask is not null && personMask is not null)
            {
                ExcludeCategory(mask, "person", ev, manifest, errors);
                ExcludeCategory(mask, "vehicle", ev, manifest, errors);
            }

            if (errors.Count > count)
            {
                continue;
            }

            var targets = ev.Zones.Count == 0 && ev.Lines.Count == 0 ? [null] : ev.Zones.Select(z => (string?)z).ToArray();
            foreach (var zoneId in targets)
            {
                var zone = zoneId is null ? null : camera.Zones[zoneId];
                RuleSettings Settings(string? id, bool[] classes) => new(
                    id,
                    zone?.Polygon,
                    classes,
                    manifest.Labels,
                    ev.MinDuration,
                    options.ExitGrace,
                    ev.Schedule,
                    ev.Parameters,
                    camera.Ground,
                    new AlertLifecycle(deviceId, camera.Config.CameraId, ev.Type, id, model, ev.Cooldown ?? options.Cooldown));

                switch (ev.Type)
                {
                    case EventType.Intrusion:
                        rules.Add(new IntrusionRule(Settings(zoneId, mask!)));
                        break;
                    case EventType.WrongWay:
                        rules.Add(new WrongWayRule(Settings(zoneId, mask!), zone!.AllowedDirection!.Value));
                        inputs |= RuleInputs.History;
                        break;
                    case EventType.CrowdDensity:
                        rules.Add(new CrowdDensityRule(Settings(zoneId, mask!), options.OcclusionMemory));
                        break;
                    case EventType.CrowdMovement:
                        rules.Add(new CrowdMovementRule(Settings(zoneId, mask!)));
                        inputs |= RuleInputs.History;
                        break;
                    case EventType.PersonDown:
                        rules.Add(new PersonDownRule(Settings(zoneId, mask!)));
                        inputs |= RuleInputs.History | RuleInputs.Pose;
                        break;
                    case EventType.AbandonedObject:
                        rules.Add(new AbandonedObjectRule(Settings(zoneId, mask!), personMask!, ev.Cooldown ?? options.Cooldown));
                        inputs |= RuleInputs.StaticRegions;
                        break;
                    case EventType.Weapon:
                        rules.Add(new ScoredDetectionRule(Settings(zoneId, mask!)));
                        break;
                    case EventType.Fire:
                        if (mask is not null)
                        {
                            rules.Add(new ScoredDetectionRule(Settings(zoneId, mask)));
                        }
                        else
                        {
                            inputs |= RuleInputs.FireCandidates;
                        }

                        rules.Add(new FireCandidateRule(Settings(zoneId, new bool[manifest.Labels.Count])));
                        break;
                    default:
                        throw new InvalidOperationException($"No rule for {ev.Type}.");
                }
            }

            foreach (var lineId in ev.Lines)
            {
                var line = camera.Lines[lineId];
                rules.Add(new LineCrossingRule(
                    new RuleSettings(lineId, null, mask!, manifest.Labels, ev.MinDuration, options.ExitGrace, ev.Schedule, ev.Parameters, camera.Ground,
                        new AlertLifecycle(deviceId, camera.Config.CameraId, ev.Type, lineId, model, ev.Cooldown ?? options.Cooldown)),
                    line));
            }
        }

        return rules;
    }

    /// <summary>Class index → whether the event applies, from category → labels in the manifest.</summary>
    private static bool[] ClassMask(ResolvedEvent ev, ModelManifest manifest, List<string> errors)
    {
        var mask = new bool[manifest.Labels.Count];
        for (var c = 0; c < ev.Categories.Count; c++)
        {
            var category = ev.Categories[c];
            var at = ev.CategoriesGiven ? $"{ev.At}.categories[{c}]" : $"{ev.At}.categories (default)";
            var one = CategoryMask(category, at, manifest, errors);
            for (var i = 0; i < mask.Length && one is not null; i++)
            {
                mask[i] |= one[i];
            }
        }

        return mask;
    }

    private static bool[]? CategoryMask(string category, string at, ModelManifest manifest, List<string> errors, string? why = null)
    {
        if (!manifest.Categories.TryGetValue(category, out var labels))
        {
            errors.Add($"{at}: '{category}' is not a category of model '{manifest.Id}' ({string.Join(", ", manifest.Categories.Keys)}){why}");
            return null;
        }

        var mask = new bool[manifest.Labels.Count];
        foreach (var label in labels)
        {
            var index = IndexOf(manifest.Labels, label);
            if (index < 0)
            {
                errors.Add($"{at}: category '{category}' of model '{manifest.Id}' lists label '{label}', which is not one of its labels");
                continue;
            }

            mask[index] = true;
        }

        return mask;
    }

    /// <summary>Refuses an abandoned-object category that contains a person (or vehicle) label under another name.</summary>
    private static void ExcludeCategory(bool[] mask, string category, ResolvedEvent ev, ModelManifest manifest, List<string> errors)
    {
        if (!manifest.Categories.TryGetValue(category, out var labels))
        {
            return;
        }

        foreach (var label in labels)
        {
            var index = IndexOf(manifest.Labels, label);
            if (index >= 0 && mask[index])
            {
                errors.Add($"{ev.At}.categories: label '{label}' is a {category}; a {category} is never an abandoned object");
            }
        }
    }

    private static int IndexOf(IReadOnlyList<string> labels, string label)
    {
        for (var i = 0; i < labels.Count; i++)
        {
            if (string.Equals(labels[i], label, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }
}
