using Vsa.Edge.Agent.Core.Configuration;
using Vsa.Edge.Agent.Core.Tracking;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Core.Rules;

/// <summary>
/// Evaluates a camera's enabled events on its tracks and emits alert messages. One instance per camera, called by one
/// pipeline stage (not thread-safe). Only intrusion has a rule so far; the configuration validator refuses the other
/// seven authorised events rather than let a camera silently never alert.
/// </summary>
public sealed class RuleEngine
{
    private readonly IntrusionRule[] _intrusions;

    /// <summary>Builds the rules with default <see cref="RuleOptions"/>.</summary>
    public RuleEngine(CameraConfig camera, ModelManifest manifest, string deviceId)
        : this(camera, manifest, deviceId, new RuleOptions())
    {
    }

    /// <summary>Builds the rules; throws <see cref="CameraConfigException"/> when the camera is invalid or names a category the model does not have.</summary>
    public RuleEngine(CameraConfig camera, ModelManifest manifest, string deviceId, RuleOptions options)
    {
        ArgumentNullException.ThrowIfNull(camera);
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentException.ThrowIfNullOrWhiteSpace(deviceId);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.ExitGrace, TimeSpan.Zero, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Cooldown, TimeSpan.Zero, nameof(options));

        var errors = new List<string>(CameraConfigLoader.Validate(camera));
        var model = new ModelRef(manifest.Id, manifest.Version);
        var rules = new List<IntrusionRule>();
        var events = camera.Events ?? [];
        for (var e = 0; e < events.Count; e++)
        {
            var ev = events[e];
            if (ev is null || !ev.Enabled || !EventTypes.TryParse(ev.Type, out var type) || type != EventType.Intrusion)
            {
                continue;
            }

            var classAllowed = ClassMask(ev, $"events[{e}]", manifest, errors);
            foreach (var zoneId in ev.Zones)
            {
                var zone = FindZone(camera, zoneId);
                if (zone is null || errors.Count > 0)
                {
                    continue;
                }

                var lifecycle = new AlertLifecycle(deviceId, camera.CameraId, type, zoneId, model, options.Cooldown);
                rules.Add(new IntrusionRule(zoneId, zone.ToPolygon(), classAllowed, manifest.Labels, TimeSpan.FromSeconds(ev.MinDurationSeconds), options.ExitGrace, lifecycle));
            }
        }

        if (errors.Count > 0)
        {
            throw new CameraConfigException($"Camera '{camera.CameraId}' cannot run with model '{manifest.Id}': {string.Join("; ", errors)}", errors);
        }

        _intrusions = [.. rules];
    }

    /// <summary>Number of alerts currently open on this camera.</summary>
    public int OpenAlerts
    {
        get
        {
            var count = 0;
            foreach (var rule in _intrusions)
            {
                count += rule.Lifecycle.OpenCount;
            }

            return count;
        }
    }

    /// <summary>
    /// Evaluates the rules on this frame's tracks (pass <see cref="ByteTracker"/>'s output as is) and appends start/end
    /// messages to <paramref name="output"/>. Durations come from <paramref name="timestamp"/>, never from frame counts.
    /// Allocates nothing when no alert starts or ends.
    /// </summary>
    public void Evaluate(IReadOnlyList<Track> tracks, DateTimeOffset timestamp, List<AlertMessage> output)
    {
        ArgumentNullException.ThrowIfNull(tracks);
        ArgumentNullException.ThrowIfNull(output);
        foreach (var rule in _intrusions)
        {
            rule.Evaluate(tracks, timestamp, output);
        }
    }

    /// <summary>Ends every open alert at <paramref name="timestamp"/> (agent stopping, clip ended).</summary>
    public void Flush(DateTimeOffset timestamp, List<AlertMessage> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        foreach (var rule in _intrusions)
        {
            rule.Flush(timestamp, output);
        }
    }

    private static ZoneConfig? FindZone(CameraConfig camera, string id)
    {
        foreach (var zone in camera.Zones ?? [])
        {
            if (string.Equals(zone?.Id, id, StringComparison.Ordinal))
            {
                return zone;
            }
        }

        return null;
    }

    /// <summary>Class index → whether the event applies, from category → labels in the manifest.</summary>
    private static bool[] ClassMask(EventConfig ev, string at, ModelManifest manifest, List<string> errors)
    {
        var mask = new bool[manifest.Labels.Count];
        for (var c = 0; c < ev.Categories.Count; c++)
        {
            var category = ev.Categories[c];
            if (category is null || !manifest.Categories.TryGetValue(category, out var labels))
            {
                errors.Add($"{at}.categories[{c}]: '{category}' is not a category of model '{manifest.Id}' ({string.Join(", ", manifest.Categories.Keys)})");
                continue;
            }

            foreach (var label in labels)
            {
                var index = IndexOf(manifest.Labels, label);
                if (index < 0)
                {
                    errors.Add($"{at}.categories[{c}]: category '{category}' of model '{manifest.Id}' lists label '{label}', which is not one of its labels");
                    continue;
                }

                mask[index] = true;
            }
        }

        return mask;
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
