using Vsa.Edge.Configuration;
using Vsa.Edge.FleetManager.Authorisations;
using Vsa.Edge.FleetManager.Storage;

namespace Vsa.Edge.FleetManager.Register;

/// <summary>
/// Builds the <see cref="PublicRegister"/> from the authorisations, the cameras' public names and the suspensions (pure: the
/// endpoint reads, this decides what the public sees). Nothing that identifies a device is copied: cameras are named by
/// their <c>publicName</c> and <c>place</c> or by a neutral placeholder, never by their id.
/// </summary>
public static class PublicRegisterBuilder
{
    /// <summary>What a camera without a public place is listed with.</summary>
    public const string NoPlace = "lieu non renseigné";

    /// <summary>Builds the register as of <paramref name="now"/>.</summary>
    /// <param name="authorisations">Every authorisation.</param>
    /// <param name="cameras">The known camera documents, by (device, camera).</param>
    /// <param name="isSuspended">Whether a camera's analysis is suspended now (a global, site or device suspension included).</param>
    /// <param name="register">The register's options.</param>
    /// <param name="retention">The fleet's retention.</param>
    /// <param name="now">The fleet's clock.</param>
    public static PublicRegister Build(
        IReadOnlyList<AuthorisationView> authorisations,
        IReadOnlyDictionary<(string DeviceId, string CameraId), KnownCamera> cameras,
        Func<string, string, bool> isSuspended,
        RegisterOptions register,
        RetentionOptions retention,
        DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(authorisations);
        ArgumentNullException.ThrowIfNull(cameras);
        ArgumentNullException.ThrowIfNull(isSuspended);
        ArgumentNullException.ThrowIfNull(register);
        ArgumentNullException.ThrowIfNull(retention);
        var endedSince = now - TimeSpan.FromDays(register.RecentlyEndedDays);
        var inForce = authorisations.Where(a => a.EndsAt > now).OrderBy(a => a.StartsAt).ThenBy(a => a.Reference, StringComparer.Ordinal)
            .Select(a => Public(a, cameras, isSuspended, now)).ToList();
        var ended = authorisations.Where(a => a.EndsAt <= now && a.EndsAt > endedSince).OrderByDescending(a => a.EndsAt).ThenBy(a => a.Reference, StringComparer.Ordinal)
            .Select(a => Public(a, cameras, isSuspended, now)).ToList();
        return new PublicRegister(
            register.Controller.Length > 0 ? register.Controller : "la commune",
            now,
            inForce,
            ended,
            new PublicRetention(
                "Aucune image n'est enregistrée ni transmise par l'analyse : seules des alertes (type d'événement, caméra, zone, heure, cadres) quittent l'équipement. Les images de vidéoprotection restent soumises à leur propre durée de conservation (un mois au plus, CSI L252-5).",
                retention.AlertsDays,
                retention.HealthDays,
                "Le journal d'audit (alertes, décisions, changements de configuration, accès) est conservé au moins six mois et n'est jamais modifié."),
            Rights(register));
    }

    /// <summary>The placeholder of the <paramref name="index"/>-th (1-based) camera without a public name.</summary>
    public static string Placeholder(int index) => $"Caméra {index.ToString(System.Globalization.CultureInfo.InvariantCulture)}";

    private static PublicAuthorisation Public(
        AuthorisationView authorisation,
        IReadOnlyDictionary<(string DeviceId, string CameraId), KnownCamera> known,
        Func<string, string, bool> isSuspended,
        DateTimeOffset now)
    {
        var running = authorisation.StartsAt <= now && now < authorisation.EndsAt;
        var cameras = new List<PublicCamera>(authorisation.Cameras.Count);
        for (var i = 0; i < authorisation.Cameras.Count; i++)
        {
            var camera = authorisation.Cameras[i];
            // Public names and places come only from the fleet's own (desired) configuration, set by an administrator:
            // what a device reports about itself is never published.
            var document = known.TryGetValue((camera.DeviceId, camera.CameraId), out var found) && found.Origin == "desired" ? found : null;
            var suspended = running && isSuspended(camera.DeviceId, camera.CameraId);
            cameras.Add(new PublicCamera(
                document?.PublicName ?? Placeholder(i + 1),
                document?.Place ?? NoPlace,
                suspended,
                !running ? string.Empty : suspended ? "analyse suspendue" : "analyse en service"));
        }

        var suspendedCount = cameras.Count(c => c.Suspended);
        var (status, label) = authorisation.EndsAt <= now ? ("ended", "terminée")
            : authorisation.StartsAt > now ? ("upcoming", "à venir")
            : suspendedCount == cameras.Count ? ("suspended", "en vigueur, analyse suspendue")
            : suspendedCount > 0 ? ("partially_suspended", "en vigueur, analyse suspendue sur une partie des caméras")
            : ("running", "en vigueur, analyse en service");
        return new PublicAuthorisation(
            authorisation.Reference,
            authorisation.Authority,
            authorisation.Service,
            authorisation.Purpose,
            [.. authorisation.Events.Select(e => EventTypes.TryParse(e, out var type)
                ? new PublicEvent(e, EventTexts.Name(type), EventTexts.Definition(type))
                : new PublicEvent(e, e, string.Empty))],
            cameras,
            authorisation.StartsAt,
            authorisation.EndsAt,
            status,
            label,
            authorisation.DocumentUrl);
    }

    private static PublicRights Rights(RegisterOptions register) => new(
        Blank(register.DpoName),
        Blank(register.DpoEmail),
        Blank(register.DpoPostalAddress),
        register.RightsUrl?.AbsoluteUri,
        "Vous pouvez demander l'accès aux données vous concernant, leur effacement ou la limitation de leur traitement, et vous opposer au traitement, "
        + "en écrivant au délégué à la protection des données de la commune. Les alertes ne contiennent ni image, ni donnée biométrique, ni identité. "
        + "Si vous estimez que vos droits ne sont pas respectés, vous pouvez saisir la CNIL (www.cnil.fr).");

    private static string? Blank(string value) => value.Length == 0 ? null : value;
}
