using Vsa.Edge.Contracts;

namespace Vsa.Edge.Configuration;

/// <summary>Which cameras a parameter applies to.</summary>
public enum ParameterScope
{
    /// <summary>Calibrated or not.</summary>
    Any,

    /// <summary>Only cameras with a ground calibration (the value is in metres).</summary>
    Calibrated,

    /// <summary>Only cameras without one (the value is in frame units or a count).</summary>
    Uncalibrated,
}

/// <summary>A tunable of an event: its JSON name under <c>parameters</c>, default, allowed range and unit.</summary>
/// <param name="Name">JSON name.</param>
/// <param name="Default">Value when the configuration does not set it.</param>
/// <param name="Min">Smallest allowed value.</param>
/// <param name="Max">Largest allowed value.</param>
/// <param name="Unit">Unit.</param>
/// <param name="Description">What it does.</param>
/// <param name="Scope">Which cameras it applies to.</param>
public sealed record ParameterSpec(string Name, double Default, double Min, double Max, string Unit, string Description, ParameterScope Scope = ParameterScope.Any);

/// <summary>Per-event defaults and the parameter table (the single source of docs/events.md's tables).</summary>
public static class EventParameters
{
    /// <summary>Longest look-back any parameter may ask of the shared track history, in seconds.</summary>
    internal const double MaxHistorySeconds = 8;

    private static readonly Dictionary<EventType, ParameterSpec[]> Specs = new()
    {
        [EventType.Intrusion] =
        [
            new("lineMargin", 0.01, 0, 0.2, "frame", "Half-width of the hysteresis band around a line: the feet must get this far past it to count as on the other side."),
            new("lineHoldSeconds", 0.3, 0, 10, "s", "How long the feet must stay past the band before a crossing counts (a track leaving the frame past the line counts at once)."),
        ],
        [EventType.WrongWay] =
        [
            new("windowSeconds", 1.5, 0.3, 5, "s", "Time window of the smoothed (least-squares) displacement."),
            new("minDistanceMetres", 1.5, 0.1, 50, "m", "Displacement against the allowed direction over the window.", ParameterScope.Calibrated),
            new("minDistanceFrame", 0.05, 0.005, 1, "frame", "Same, uncalibrated.", ParameterScope.Uncalibrated),
            new("maxAngleDegrees", 60, 5, 90, "°", "Largest angle between the motion and the forbidden (opposite) direction."),
        ],
        [EventType.CrowdDensity] =
        [
            new("maxDensity", 2.0, 0.1, 10, "persons/m2", "Density in the zone above which the condition holds.", ParameterScope.Calibrated),
            new("maxCount", 20, 1, 1000, "persons", "Person count in the zone above which the condition holds.", ParameterScope.Uncalibrated),
        ],
        [EventType.CrowdMovement] =
        [
            new("minTracks", 6, 2, 500, "persons", "Fewest persons in the zone for a crowd."),
            new("minFraction", 0.5, 0.1, 1, "ratio", "Fraction of them that must surge or disperse within the window."),
            new("windowSeconds", 1.0, 0.3, 2, "s", "Window of the current speed, and how close together the surges must be."),
            new("baselineSeconds", 3.0, 1, 5, "s", "Window, just before, of each person's own baseline speed."),
            new("speedRatio", 2.5, 1.2, 20, "ratio", "Current speed over baseline speed that counts as a surge."),
            new("minSpeedMetres", 2.0, 0.2, 20, "m/s", "Slowest speed that counts as a surge or a dispersal.", ParameterScope.Calibrated),
            new("minSpeedFrame", 0.12, 0.01, 5, "frame/s", "Same, uncalibrated.", ParameterScope.Uncalibrated),
        ],
        [EventType.PersonDown] =
        [
            new("dropFraction", 0.3, 0.1, 0.9, "ratio", "Drop of the box top, as a fraction of the upright height, that counts as sudden."),
            new("dropWindowSeconds", 1.0, 0.2, 2, "s", "Time within which the drop must happen."),
            new("triggerWindowSeconds", 2.0, 0.5, 5, "s", "Time after a drop within which the person must be seen lying."),
            new("minAspect", 1.2, 0.5, 5, "ratio", "Width over height (metres if calibrated, pixels otherwise) from which a box counts as lying."),
            new("lyingScore", 0.6, 0.1, 1, "score", "Pose lying score (from the host's MoveNet pass) from which a person counts as lying."),
        ],
        [EventType.AbandonedObject] =
        [
            new("radiusMetres", 3.0, 0.3, 50, "m", "No person within this distance of the object.", ParameterScope.Calibrated),
            new("radiusFrame", 0.1, 0.01, 1, "frame", "Same, uncalibrated.", ParameterScope.Uncalibrated),
            new("stationaryMetres", 0.3, 0.05, 5, "m", "Movement of the object's base under which it counts as stationary.", ParameterScope.Calibrated),
            new("stationaryFrame", 0.015, 0.001, 0.2, "frame", "Same, uncalibrated.", ParameterScope.Uncalibrated),
            new("startupSeconds", 5, 0, 600, "s", "Objects seen in the first seconds of analysis were there before: never abandoned."),
        ],
        [EventType.Weapon] =
        [
            new("minScore", 0.6, 0.05, 1, "score", "Median detector score of the track's recent history."),
            new("scoreSamples", 10, 3, 60, "frames", "Length of that score history."),
        ],
        [EventType.Fire] =
        [
            new("minScore", 0.6, 0.05, 1, "score", "Median detector score, when the model has a fire category."),
            new("minGrowthRate", 0.03, 0.001, 10, "1/s", "Relative area growth per second of a candidate that counts as growing."),
            new("minFlicker", 0.3, 0.01, 1, "score", "Flicker energy from which a candidate counts as flickering."),
            new("minColour", 0.5, 0, 1, "score", "Fire colour score a sample needs to count as fire-like (70 % of the samples must)."),
            new("maxGapSeconds", 0.4, 0, 5, "s", "Longest absence of a candidate that still counts as continuous."),
            new("maxPeriodicity", 0.7, 0.1, 1, "ratio", "Autocorrelation of the candidate's area above which it is a periodic light, not a fire."),
        ],
    };

    /// <summary>The parameters of an event.</summary>
    public static IReadOnlyList<ParameterSpec> For(EventType type) => Specs[type];

    /// <summary>Default <c>minDurationSeconds</c>.</summary>
    public static double DefaultMinDuration(EventType type) => type switch
    {
        EventType.Intrusion => 1,
        EventType.WrongWay => 1,
        EventType.CrowdDensity => 10,
        EventType.CrowdMovement => 0,
        EventType.PersonDown => 5,
        EventType.AbandonedObject => 60,
        EventType.Weapon => 1,
        EventType.Fire => 5,
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    /// <summary>Default <c>categories</c>; fire's applies only when the model has it (otherwise pixel candidates only).</summary>
    public static IReadOnlyList<string> DefaultCategories(EventType type) => type switch
    {
        EventType.Intrusion => ["person"],
        EventType.WrongWay => ["person", "vehicle"],
        EventType.AbandonedObject => ["bag"],
        EventType.Weapon => ["weapon"],
        EventType.Fire => ["fire"],
        _ => ["person"],
    };

    /// <summary>Whether the event may omit zones and apply to the whole frame.</summary>
    public static bool AllowsWholeFrame(EventType type) =>
        type is EventType.CrowdMovement or EventType.PersonDown or EventType.AbandonedObject or EventType.Weapon or EventType.Fire;

    /// <summary>Whether the event concerns persons only (its categories, if given, must be exactly <c>person</c>).</summary>
    public static bool PersonsOnly(EventType type) => type is EventType.CrowdDensity or EventType.CrowdMovement or EventType.PersonDown;

    /// <summary>Validates the parameters of one event, adding an error per bad field; returns the resolved values by name.</summary>
    internal static Dictionary<string, double> Resolve(EventType type, IReadOnlyDictionary<string, double>? given, bool calibrated, string at, List<string> errors)
    {
        var specs = Specs[type];
        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var spec in specs)
        {
            values[spec.Name] = spec.Default;
        }

        foreach (var (name, value) in given ?? new Dictionary<string, double>())
        {
            var spec = Array.Find(specs, s => s.Name == name);
            if (spec is null)
            {
                errors.Add($"{at}.parameters.{name}: unknown parameter of {EventTypes.ToWireName(type)} (known: {string.Join(", ", specs.Select(s => s.Name))})");
            }
            else if (!double.IsFinite(value) || value < spec.Min || value > spec.Max)
            {
                errors.Add($"{at}.parameters.{name}: {value} outside [{spec.Min}, {spec.Max}] {spec.Unit}");
            }
            else if (spec.Scope == ParameterScope.Calibrated && !calibrated)
            {
                errors.Add($"{at}.parameters.{name}: needs a ground calibration, the camera has none (use the frame-unit parameter)");
            }
            else if (spec.Scope == ParameterScope.Uncalibrated && calibrated)
            {
                errors.Add($"{at}.parameters.{name}: applies to uncalibrated cameras only, this one is calibrated (use the metric parameter)");
            }
            else
            {
                values[name] = value;
            }
        }

        return values;
    }
}
