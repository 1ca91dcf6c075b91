import "../i18n";
