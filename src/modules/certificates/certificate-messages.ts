/**
 * The words of the built-in certificates in every language they ship in. Custom templates get the
 * same messages, so a site's own design is translated too. Placeholders in braces are filled in by
 * `certificate-view.ts`.
 */
export interface CertificateMessages {
  courseCertificate: string;
  programCertificate: string;
  certifies: string;
  completedCourse: string;
  completedProgram: string;
  courseOfferedBy: string;
  programOfferedBy: string;
  inCollaborationWith: string;
  /** Joins "offered by …" and "in collaboration with …" into one sentence. */
  clauseSeparator: string;
  dateOfIssue: string;
  hoursOfEffort: string;
  signatories: string;
  certificateId: string;
  verify: string;
  scanToVerify: string;
  organizations: string;
  congratulations: string;
  shareIntro: string;
  addToLinkedIn: string;
  shareOnX: string;
  shareOnFacebook: string;
  certificateLink: string;
  copyLink: string;
  linkCopied: string;
  print: string;
  downloadPdf: string;
  shareText: string;
}

export const CERTIFICATE_MESSAGES = {
  en: {
    courseCertificate: 'Certificate of Achievement',
    programCertificate: 'Program Certificate',
    certifies: 'This is to certify that',
    completedCourse: 'has successfully completed the course',
    completedProgram: 'has successfully completed all courses of the program',
    courseOfferedBy: 'a course offered by {organizations}',
    programOfferedBy: 'a program offered by {organizations}',
    inCollaborationWith: 'in collaboration with {platform}',
    clauseSeparator: ', ',
    dateOfIssue: 'Date of issue',
    hoursOfEffort: '{hours} hours of effort',
    signatories: 'Signed by',
    certificateId: 'Certificate ID',
    verify: 'Verify this certificate at',
    scanToVerify: 'Scan to verify this certificate',
    organizations: 'Issuing organizations',
    congratulations: 'Congratulations, {name}!',
    shareIntro: 'You earned this certificate. Share it with your network.',
    addToLinkedIn: 'Add to LinkedIn profile',
    shareOnX: 'Share on X',
    shareOnFacebook: 'Share on Facebook',
    certificateLink: 'Link to your certificate',
    copyLink: 'Copy link',
    linkCopied: 'Link copied',
    print: 'Print',
    downloadPdf: 'Download PDF',
    shareText: 'I earned a certificate: {title}',
  },
  es: {
    courseCertificate: 'Certificado de logro',
    programCertificate: 'Certificado de programa',
    certifies: 'Se certifica que',
    completedCourse: 'ha completado con éxito el curso',
    completedProgram: 'ha completado con éxito todos los cursos del programa',
    courseOfferedBy: 'un curso ofrecido por {organizations}',
    programOfferedBy: 'un programa ofrecido por {organizations}',
    inCollaborationWith: 'en colaboración con {platform}',
    clauseSeparator: ', ',
    dateOfIssue: 'Fecha de emisión',
    hoursOfEffort: '{hours} horas de dedicación',
    signatories: 'Firmado por',
    certificateId: 'ID del certificado',
    verify: 'Verifique este certificado en',
    scanToVerify: 'Escanee para verificar este certificado',
    organizations: 'Organizaciones emisoras',
    congratulations: '¡Felicidades, {name}!',
    shareIntro: 'Obtuviste este certificado. Compártelo con tu red.',
    addToLinkedIn: 'Añadir al perfil de LinkedIn',
    shareOnX: 'Compartir en X',
    shareOnFacebook: 'Compartir en Facebook',
    certificateLink: 'Enlace a tu certificado',
    copyLink: 'Copiar enlace',
    linkCopied: 'Enlace copiado',
    print: 'Imprimir',
    downloadPdf: 'Descargar PDF',
    shareText: 'Obtuve un certificado: {title}',
  },
  fr: {
    courseCertificate: 'Certificat de réussite',
    programCertificate: 'Certificat de programme',
    certifies: 'Nous certifions que',
    completedCourse: 'a suivi avec succès le cours',
    completedProgram: 'a suivi avec succès tous les cours du programme',
    courseOfferedBy: 'un cours proposé par {organizations}',
    programOfferedBy: 'un programme proposé par {organizations}',
    inCollaborationWith: 'en collaboration avec {platform}',
    clauseSeparator: ', ',
    dateOfIssue: 'Date de délivrance',
    hoursOfEffort: '{hours} heures de travail',
    signatories: 'Signé par',
    certificateId: 'Identifiant du certificat',
    verify: 'Vérifiez ce certificat sur',
    scanToVerify: 'Scannez pour vérifier ce certificat',
    organizations: 'Organisations émettrices',
    congratulations: 'Félicitations, {name} !',
    shareIntro: 'Vous avez obtenu ce certificat. Partagez-le avec votre réseau.',
    addToLinkedIn: 'Ajouter au profil LinkedIn',
    shareOnX: 'Partager sur X',
    shareOnFacebook: 'Partager sur Facebook',
    certificateLink: 'Lien vers votre certificat',
    copyLink: 'Copier le lien',
    linkCopied: 'Lien copié',
    print: 'Imprimer',
    downloadPdf: 'Télécharger le PDF',
    shareText: "J'ai obtenu un certificat : {title}",
  },
  ar: {
    courseCertificate: 'شهادة إنجاز',
    programCertificate: 'شهادة برنامج',
    certifies: 'نشهد بأن',
    completedCourse: 'قد أتمّ بنجاح المساق',
    completedProgram: 'قد أتمّ بنجاح جميع مساقات البرنامج',
    courseOfferedBy: 'مساق تقدّمه {organizations}',
    programOfferedBy: 'برنامج تقدّمه {organizations}',
    inCollaborationWith: 'بالتعاون مع {platform}',
    clauseSeparator: '، ',
    dateOfIssue: 'تاريخ الإصدار',
    hoursOfEffort: '{hours} ساعة من الجهد',
    signatories: 'التوقيعات',
    certificateId: 'رقم الشهادة',
    verify: 'تحقّق من هذه الشهادة على',
    scanToVerify: 'امسح الرمز للتحقق من هذه الشهادة',
    organizations: 'الجهات المانحة',
    congratulations: 'تهانينا يا {name}!',
    shareIntro: 'لقد حصلت على هذه الشهادة. شاركها مع شبكتك.',
    addToLinkedIn: 'أضف إلى ملفك على LinkedIn',
    shareOnX: 'شارك على X',
    shareOnFacebook: 'شارك على Facebook',
    certificateLink: 'رابط شهادتك',
    copyLink: 'انسخ الرابط',
    linkCopied: 'تم نسخ الرابط',
    print: 'اطبع',
    downloadPdf: 'نزّل ملف PDF',
    shareText: 'حصلت على شهادة: {title}',
  },
  zh: {
    courseCertificate: '结业证书',
    programCertificate: '项目证书',
    certifies: '兹证明',
    completedCourse: '已成功完成课程',
    completedProgram: '已成功完成项目的全部课程',
    courseOfferedBy: '课程提供方：{organizations}',
    programOfferedBy: '项目提供方：{organizations}',
    inCollaborationWith: '合作平台：{platform}',
    clauseSeparator: '，',
    dateOfIssue: '颁发日期',
    hoursOfEffort: '学习时长 {hours} 小时',
    signatories: '签署人',
    certificateId: '证书编号',
    verify: '验证此证书：',
    scanToVerify: '扫码验证此证书',
    organizations: '颁发机构',
    congratulations: '恭喜，{name}！',
    shareIntro: '你获得了这份证书，与你的人脉分享吧。',
    addToLinkedIn: '添加到 LinkedIn 个人资料',
    shareOnX: '分享到 X',
    shareOnFacebook: '分享到 Facebook',
    certificateLink: '证书链接',
    copyLink: '复制链接',
    linkCopied: '链接已复制',
    print: '打印',
    downloadPdf: '下载 PDF',
    shareText: '我获得了一份证书：{title}',
  },
} satisfies Record<string, CertificateMessages>;

export type CertificateLanguage = keyof typeof CERTIFICATE_MESSAGES;
export const CERTIFICATE_LANGUAGES = Object.keys(CERTIFICATE_MESSAGES) as CertificateLanguage[];

const RIGHT_TO_LEFT = new Set<string>(['ar']);

/**
 * The language a certificate is shown in: the configuration's, else the site's, matched on the
 * primary subtag (`es-419` is shown in `es`); English when neither is one we ship.
 */
export function certificateLanguage(...preferred: (string | null | undefined)[]): CertificateLanguage {
  for (const tag of preferred) {
    const primary = tag?.toLowerCase().split(/[-_]/)[0];
    if (primary && primary in CERTIFICATE_MESSAGES) return primary as CertificateLanguage;
  }
  return 'en';
}

export const textDirection = (language: CertificateLanguage) => (RIGHT_TO_LEFT.has(language) ? 'rtl' : 'ltr');

/** Fills `{name}` placeholders; unknown ones stay as they are. */
export function fill(message: string, values: Record<string, string>): string {
  return message.replace(/\{(\w+)\}/g, (whole, name: string) => values[name] ?? whole);
}
