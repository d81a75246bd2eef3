'use strict';
// Texts of the set-up page, French by default (English in the header's menu). Nothing is stored in the browser.
window.Setup = window.Setup || {};
(() => {
  const S = window.Setup;
  const T = {
    fr: {
      title: 'Installation de la caméra',
      privacy: 'Les images restent sur la liaison poteau → ordinateur : elles ne sont envoyées nulle part ailleurs et ne sont jamais enregistrées, ni sur le poteau ni par ce navigateur.',
      toolSelect: 'Déplacer', toolZone: 'Zone', toolLine: 'Ligne', toolMask: 'Masque', toolCalib: 'Calibration', finish: 'Terminer', cancel: 'Annuler',
      latency: 'Latence image', showGrid: 'grille au sol', wouldDo: 'Ce que feraient les événements maintenant', tracks: 'Pistes',
      zones: 'Zones', lines: 'Lignes', masks: 'Masques de confidentialité', calibration: 'Calibration au sol', events: 'Événements',
      addEvent: 'Ajouter un événement', save: 'Enregistrer le document',
      hintSelect: 'Glissez un sommet pour le déplacer.', hintZone: 'Cliquez les sommets de la zone ; cliquez le premier point ou « Terminer » pour fermer.',
      hintMask: 'Cliquez les sommets du masque (logements et leurs entrées) ; « Terminer » pour fermer.', hintLine: 'Cliquez le point A puis le point B de la ligne.',
      hintCalib: 'Cliquez au moins 4 points au sol, puis tapez leur position en mètres dans le panneau.', hintDirection: 'Cliquez le départ puis l\'arrivée du sens autorisé.',
      id: 'id', name: 'nom', remove: 'Supprimer', direction: 'Sens autorisé', none: 'aucun', vector: 'dessiné', fromTo: 'de la ligne … à la ligne …', draw: 'Dessiner',
      forbidden: 'Franchissement interdit', both: 'dans les deux sens', left_to_right: 'de gauche à droite', right_to_left: 'de droite à gauche',
      type: 'Type', enabled: 'activé', minDuration: 'durée min. (s)', wholeFrame: 'toute l\'image', point: 'Point', image: 'image', ground: 'sol x, y (m)',
      reprojection: 'Erreur de reprojection', noCalibration: 'Aucune calibration : cliquez des points au sol avec l\'outil Calibration.',
      saved: 'Enregistré : ', cannotSave: 'Corrigez les erreurs avant d\'enregistrer.', signedOut: 'Session terminée.', noFrame: 'En attente d\'images…',
      inZone: 'dans', outside: 'hors zone', left: 'gauche', right: 'droite', disabled: 'désactivé', alertOpen: 'ALERTE en cours depuis', alertAfter: 'alerte après',
      nobody: 'aucun(e)', inTheZone: 'dans la zone', onLine: 'ligne', watched: 'surveillée', inFrame: 'dans toute l\'image', since: 'depuis',
    },
    en: {
      title: 'Camera set-up',
      privacy: 'Images stay on the pole → laptop link: they are sent nowhere else and never stored, neither on the pole nor by this browser.',
      toolSelect: 'Move', toolZone: 'Zone', toolLine: 'Line', toolMask: 'Mask', toolCalib: 'Calibration', finish: 'Finish', cancel: 'Cancel',
      latency: 'Frame latency', showGrid: 'ground grid', wouldDo: 'What the events would do now', tracks: 'Tracks',
      zones: 'Zones', lines: 'Lines', masks: 'Privacy masks', calibration: 'Ground calibration', events: 'Events',
      addEvent: 'Add an event', save: 'Save the document',
      hintSelect: 'Drag a vertex to move it.', hintZone: 'Click the zone\'s vertices; click the first point or "Finish" to close it.',
      hintMask: 'Click the mask\'s vertices (dwellings and their entrances); "Finish" closes it.', hintLine: 'Click point A, then point B of the line.',
      hintCalib: 'Click at least 4 points on the ground, then type their positions in metres in the panel.', hintDirection: 'Click the start, then the end of the allowed direction.',
      id: 'id', name: 'name', remove: 'Remove', direction: 'Allowed direction', none: 'none', vector: 'drawn', fromTo: 'from line … to line …', draw: 'Draw',
      forbidden: 'Forbidden crossing', both: 'both ways', left_to_right: 'left to right', right_to_left: 'right to left',
      type: 'Type', enabled: 'enabled', minDuration: 'min. duration (s)', wholeFrame: 'whole frame', point: 'Point', image: 'image', ground: 'ground x, y (m)',
      reprojection: 'Reprojection error', noCalibration: 'No calibration: click ground points with the Calibration tool.',
      saved: 'Saved: ', cannotSave: 'Fix the errors before saving.', signedOut: 'Session ended.', noFrame: 'Waiting for frames…',
      inZone: 'in', outside: 'outside zones', left: 'left', right: 'right', disabled: 'disabled', alertOpen: 'ALERT open for', alertAfter: 'alert after',
      nobody: 'no', inTheZone: 'in zone', onLine: 'line', watched: 'watched', inFrame: 'in the whole frame', since: 'for',
    },
  };
  const EVENTS = {
    fr: { intrusion: 'intrusion', wrong_way: 'sens interdit', crowd_density: 'densité de foule', crowd_movement: 'mouvement de foule',
      person_down: 'personne au sol', abandoned_object: 'objet abandonné', weapon: 'arme', fire: 'départ de feu' },
    en: { intrusion: 'intrusion', wrong_way: 'wrong way', crowd_density: 'crowd density', crowd_movement: 'crowd movement',
      person_down: 'person down', abandoned_object: 'abandoned object', weapon: 'weapon', fire: 'fire' },
  };
  const NOUNS = {
    fr: { person: ['personne', 'personnes'], vehicle: ['véhicule', 'véhicules'], bag: ['bagage', 'bagages'], weapon: ['arme', 'armes'], fire: ['feu', 'feux'] },
    en: { person: ['person', 'persons'], vehicle: ['vehicle', 'vehicles'], bag: ['bag', 'bags'], weapon: ['weapon', 'weapons'], fire: ['fire', 'fires'] },
  };
  // The validator speaks English; the commonest messages get a French gloss, the original stays in brackets.
  const GLOSSES = [[/self-intersecting/, 'le polygone se recoupe'], [/needs at least 3 points/, 'il faut au moins 3 points'],
    [/unknown zone/, 'zone inconnue'], [/unknown line/, 'ligne inconnue'], [/duplicate/, 'identifiant en double'],
    [/needs at least 4 image\/world point pairs/, 'il faut au moins 4 points'], [/inconsistent/, 'points incohérents'],
    [/covers the whole frame/, 'le masque couvre toute l\'image'], [/degenerate/, 'points dégénérés (alignés ou confondus)']];
  let lang = 'fr';
  S.lang = () => lang;
  S.t = key => T[lang][key] ?? T.fr[key] ?? key;
  S.eventName = type => EVENTS[lang][type] ?? type;
  S.noun = (category, n) => (NOUNS[lang][category] ?? [category, category])[n === 1 ? 0 : 1];
  S.num = (v, digits = 1) => Number(v).toLocaleString(lang === 'fr' ? 'fr-FR' : 'en-GB', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  S.gloss = message => {
    if (lang !== 'fr') return message;
    const g = GLOSSES.find(([re]) => re.test(message));
    return g ? `${g[1]} (${message})` : message;
  };
  S.applyI18n = () => {
    document.documentElement.lang = lang;
    document.querySelectorAll('[data-i18n]').forEach(e => { e.textContent = S.t(e.dataset.i18n); });
  };
  S.setLang = value => { lang = T[value] ? value : 'fr'; S.applyI18n(); };
})();
