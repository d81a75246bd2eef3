using Vsa.Edge.Agent.Core.Tracking;

namespace Vsa.Edge.Agent.Core.Rules;

/// <summary>
/// Who counts as present in a zone for crowd counts (crowd_density): a confirmed track, or a confirmed track the
/// detector lost less than the occlusion memory ago (hidden behind a post or another person for a moment). Only a
/// track that was confirmed counts, and always at the box where it was last seen: nobody is counted who was not seen.
/// </summary>
public static class PersonCounting
{
    /// <summary>Whether <paramref name="track"/> counts at <paramref name="now"/> (its feet still have to be in the zone).</summary>
    public static bool IsPresent(Track track, DateTimeOffset now, TimeSpan occlusionMemory)
    {
        ArgumentNullException.ThrowIfNull(track);
        return track.State == TrackState.Confirmed
            || (track.State == TrackState.Lost && now - track.LastSeen <= occlusionMemory);
    }
}
