using Vsa.Edge.Agent.Core.Authorisation;
using Vsa.Edge.Agent.Core.Tracking;
using Vsa.Edge.Configuration;
using Vsa.Edge.Configuration.Geometry;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Core.Rules;

/// <summary>Evidence beyond tracks that a camera's enabled events use; the host computes only what is listed.</summary>
[Flags]
public enum RuleInputs
{
    /// <summary>Tracks only.</summary>
    None = 0,

    /// <summary>Motion history of tracks (kept by the engine itself).</summary>
    History = 1,

    /// <summary><see cref="FrameObservation.Pose"/> for person tracks (person_down).</summary>
    Pose = 2,

    /// <summary><see cref="FrameObservation.FireCandidates"/> (fire, when the model has no fire class).</summary>
    FireCandidates = 4,

    /// <summary><see cref="FrameObservation.StaticRegions"/> (abandoned_object; optional, bag tracks work without).</summary>
    StaticRegions = 8,
}

/// <summary>
/// Evaluates a camera's enabled events — any of the eight — on its tracks and the host's extra evidence, and emits
/// alert messages. One instance per camera, called by one pipeline stage (not thread-safe).
/// </summary>
public sealed class RuleEngine
{
    private readonly Rule[] _rules;
    private readonly bool[] _suspended;
    private readonly RuleFrame _frame = new();
    private readonly GroundPlane _ground;
    private readonly bool _keepHistory;

    /// <summary>Builds the rules with default <see cref="RuleOptions"/>.</summary>
    public RuleEngine(CameraConfig camera, ModelManifest manifest, string deviceId)
        : this(camera, manifest, deviceId, new RuleOptions())
    {
    }

    /// <summary>Builds the rules; throws <see cref="CameraConfigException"/> when the camera is invalid or needs a category the model does not have.</summary>
    public RuleEngine(CameraConfig camera, ModelManifest manifest, string deviceId, RuleOptions options)
    {
        ArgumentNullException.ThrowIfNull(camera);
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentException.ThrowIfNullOrWhiteSpace(deviceId);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.ExitGrace, TimeSpan.Zero, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Cooldown, TimeSpan.Zero, nameof(options));

        var errors = new List<string>();
        var resolved = CameraConfigLoader.Resolve(camera, errors);
        var inputs = RuleInputs.None;
        var rules = errors.Count == 0 ? RuleFactory.Build(resolved, manifest, deviceId, options, errors, out inputs) : null;
        if (errors.Count > 0 || rules is null)
        {
            throw new CameraConfigException($"Camera '{camera.CameraId}' cannot run with model '{manifest.Id}': {string.Join("; ", errors)}", errors);
        }

        _rules = [.. rules];
        _suspended = new bool[_rules.Length];
        _ground = resolved.Ground;
        Inputs = inputs;
        _keepHistory = (inputs & RuleInputs.History) != 0;
    }

    /// <summary>
    /// The events this camera may run now (its prefectoral authorisations, <see cref="CameraAuthorisation"/>); null runs
    /// every enabled event (no authorisation windows: development). A rule whose event is not authorised is not
    /// evaluated; when its authorisation ends, its open alerts end at that frame and its state is forgotten.
    /// </summary>
    public CameraAuthorisation? Authorisation { get; init; }

    /// <summary>What the enabled events use besides tracks, so the host runs pose or pixel detectors only when needed.</summary>
    public RuleInputs Inputs { get; }

    /// <summary>
    /// <see cref="Inputs"/> less the pixel evidence only unauthorised events use (pose without person_down, fire
    /// candidates without fire), so the host does not analyse for an event the authorisation does not allow. Static
    /// regions keep running: their background model needs continuity, and only tracks and regions reach the rules.
    /// Allocates nothing.
    /// </summary>
    public RuleInputs ActiveInputs
    {
        get
        {
            if (Authorisation is not { } authorisation)
            {
                return Inputs;
            }

            var events = authorisation.Events;
            var inputs = Inputs;
            if (!events.Contains(EventType.PersonDown))
            {
                inputs &= ~RuleInputs.Pose;
            }

            if (!events.Contains(EventType.Fire))
            {
                inputs &= ~RuleInputs.FireCandidates;
            }

            return inputs;
        }
    }

    /// <summary>Whether distances, speeds and densities are in metres (the camera has a ground calibration).</summary>
    public bool IsCalibrated => _ground.IsCalibrated;

    /// <summary>Number of rules built (one per event and zone or line).</summary>
    public int RuleCount => _rules.Length;

    /// <summary>Number of alerts currently open on this camera.</summary>
    public int OpenAlerts
    {
        get
        {
            var count = 0;
            foreach (var rule in _rules)
            {
                count += rule.Lifecycle.OpenCount;
            }

            return count;
        }
    }

    /// <summary>
    /// Evaluates the rules on this frame's tracks (pass <see cref="ByteTracker"/>'s output as is) and appends start/end
    /// messages to <paramref name="output"/>. Durations come from <paramref name="timestamp"/>, never from frame counts.
    /// </summary>
    public void Evaluate(IReadOnlyList<Track> tracks, DateTimeOffset timestamp, List<AlertMessage> output) =>
        Evaluate(new FrameObservation(tracks, timestamp), output);

    /// <summary>
    /// Evaluates the rules on one frame's tracks and evidence, appending start, update and end messages to
    /// <paramref name="output"/>. Allocates nothing in steady state (no alert starting, updating or ending, no new
    /// track or candidate).
    /// </summary>
    public void Evaluate(in FrameObservation observation, List<AlertMessage> output)
    {
        ArgumentNullException.ThrowIfNull(observation.Tracks);
        ArgumentNullException.ThrowIfNull(output);
        _frame.Load(observation, _ground, _keepHistory);
        var authorised = Authorisation?.Events ?? EventMask.All;
        for (var i = 0; i < _rules.Length; i++)
        {
            var rule = _rules[i];
            if (!authorised.Contains(rule.Lifecycle.EventType))
            {
                if (!_suspended[i])
                {
                    // The authorisation ended: no alert of this event may stay open, nor a half-measured condition survive.
                    _suspended[i] = true;
                    rule.Flush(observation.Timestamp, output);
                }

                continue;
            }

            _suspended[i] = false;
            rule.Evaluate(_frame, output);
        }
    }

    /// <summary>Ends every open alert at <paramref name="timestamp"/> (agent stopping, clip ended).</summary>
    public void Flush(DateTimeOffset timestamp, List<AlertMessage> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        foreach (var rule in _rules)
        {
            rule.Flush(timestamp, output);
        }

        _frame.History.Clear();
    }
}
