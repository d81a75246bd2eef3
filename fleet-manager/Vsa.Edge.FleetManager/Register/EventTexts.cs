using Vsa.Edge.Contracts;

namespace Vsa.Edge.FleetManager.Register;

/// <summary>
/// The French names and definitions of the eight events (décret n° 2023-828 art. 3), for the public register and the
/// documents a city files. The console has its own copy in <c>wwwroot/js/i18n.js</c>; a test checks every event has both here.
/// </summary>
public static class EventTexts
{
    /// <summary>The French name of <paramref name="eventType"/> ("Intrusion en zone").</summary>
    public static string Name(EventType eventType) => eventType switch
    {
        EventType.Intrusion => "Intrusion en zone",
        EventType.WrongWay => "Contresens",
        EventType.CrowdDensity => "Densité excessive de personnes",
        EventType.CrowdMovement => "Mouvement de foule",
        EventType.PersonDown => "Personne au sol",
        EventType.AbandonedObject => "Objet abandonné",
        EventType.Weapon => "Présence ou usage d'arme",
        EventType.Fire => "Départ de feu",
        _ => throw new ArgumentOutOfRangeException(nameof(eventType), eventType, "Not one of the eight events."),
    };

    /// <summary>What the event means in law and in the agent, in one French sentence.</summary>
    public static string Definition(EventType eventType) => eventType switch
    {
        EventType.Intrusion => "Présence ou franchissement d'une personne ou d'un véhicule dans une zone interdite ou sensible, ou d'une ligne dans le sens interdit.",
        EventType.WrongWay => "Personne ou véhicule circulant dans le sens contraire au sens de circulation défini pour la zone.",
        EventType.CrowdDensity => "Nombre ou densité de personnes dans une zone au-delà du seuil configuré.",
        EventType.CrowdMovement => "Mouvement soudain et collectif de personnes (dispersion ou convergence rapide).",
        EventType.PersonDown => "Personne restée au sol au-delà de la durée configurée, après une chute.",
        EventType.AbandonedObject => "Objet (bagage, sac) laissé immobile sans personne à proximité au-delà de la durée configurée.",
        EventType.Weapon => "Objet détecté comme une arme tenue par une personne.",
        EventType.Fire => "Flamme ou départ de feu visible dans l'image.",
        _ => throw new ArgumentOutOfRangeException(nameof(eventType), eventType, "Not one of the eight events."),
    };

    /// <summary>The French name of a wire name (<c>intrusion</c>), or the wire name when it is not an event (it cannot be stored).</summary>
    public static string NameOf(string wireName) =>
        Vsa.Edge.Configuration.EventTypes.TryParse(wireName, out var eventType) ? Name(eventType) : wireName;
}
