namespace Vsa.Edge.Agent.Core.Rules;

/// <summary>What <see cref="HeldCondition.Step"/> observed.</summary>
internal enum HeldState
{
    /// <summary>Not holding and not recently held.</summary>
    Idle,

    /// <summary>Holds this frame (continuously since <see cref="HeldCondition.Since"/>, gaps shorter than the grace included).</summary>
    Holding,

    /// <summary>Stopped holding less than the grace ago: still counts as continuous if it comes back.</summary>
    Grace,

    /// <summary>Stopped holding for the whole grace; it ended at <see cref="HeldCondition.ClearedAt"/>.</summary>
    Cleared,
}

/// <summary>
/// A condition measured frame by frame that must hold for a while, tolerating gaps shorter than a grace (a person
/// missed for one frame does not reset a density timer). Timestamps only; a struct, no allocation.
/// </summary>
internal struct HeldCondition
{
    private DateTimeOffset? _clearSince;

    public bool Active { get; private set; }

    public DateTimeOffset Since { get; private set; }

    public DateTimeOffset ClearedAt { get; private set; }

    public HeldState Step(bool holds, DateTimeOffset now, TimeSpan grace)
    {
        if (holds)
        {
            if (!Active)
            {
                (Active, Since) = (true, now);
            }

            _clearSince = null;
            return HeldState.Holding;
        }

        if (!Active)
        {
            return HeldState.Idle;
        }

        _clearSince ??= now;
        if (now - _clearSince.Value < grace)
        {
            return HeldState.Grace;
        }

        (Active, ClearedAt, _clearSince) = (false, _clearSince.Value, null);
        return HeldState.Cleared;
    }

    public void Reset() => (Active, _clearSince) = (false, null);
}
