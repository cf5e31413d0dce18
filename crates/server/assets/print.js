// Print buttons: any element with data-print opens the browser's print dialog (the browser makes the PDF).
document.querySelectorAll('[data-print]').forEach((button) => {
  button.hidden = false;
  button.addEventListener('click', () => window.print());
});
